/** Renders the Documentation/ABI file of the 2.0 sysfs layout (spec/sysfs/src/accel-openaccel.ts). */
import { ACCEL_CLASS_DIR, ACCEL_OPENACCEL_LAYOUT } from '@openaccel/sysfs';
import type { CompiledSpec } from '@openaccel/uapi';
import { commentSafe } from './c-header.js';
import { generatedNotice } from './notice.js';

/** Wraps prose to the ABI files' two-tab indent at 80 columns. */
function describe(text: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && 16 + line.length + 1 + word.length > 80) {
      out.push(`\t\t${line}`);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(`\t\t${line}`);
  return out;
}

function entry(what: string, c: CompiledSpec, body: string[]): string[] {
  const date = c.spec.status === 'draft' ? `(unreleased; OpenAccel ${c.spec.version} draft)` : `OpenAccel ${c.spec.version}`;
  return [`What:\t\t/sys/${ACCEL_CLASS_DIR}/accel<N>/${what}`, `Date:\t\t${date}`, 'Contact:\tThe OpenAccel project', 'Description:', ...body, ''];
}

export function renderSysfsAbi(c: CompiledSpec): string {
  const out: string[] = [`# ${commentSafe(generatedNotice(c.spec))}`, '# Layout from spec/sysfs/src/accel-openaccel.ts.', ''];
  for (const dir of ACCEL_OPENACCEL_LAYOUT) {
    out.push(...entry(`${dir.path}/`, c, describe(dir.doc)));
    for (const a of dir.attributes) {
      const text = [
        `(RO) ${a.doc}`,
        `Format: ${a.format.describe}${a.unit ? `, in ${a.unit}` : ''}.`,
        a.absentMeans ? `Absent when: ${a.absentMeans}.` : '',
        a.infoField ? `The same value as oa_device_info.${a.infoField} of DRM_IOCTL_OA_GET_INFO.` : '',
      ].filter(Boolean).join(' ');
      out.push(...entry(`${dir.path}/${a.file}`, c, describe(text)));
    }
    for (const l of dir.links) out.push(...entry(`${dir.path}/${l.name}`, c, describe(`(symlink) ${l.doc} Points at ${l.target}.`)));
  }
  return out.join('\n');
}
