import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PROFILE_NAMES, type ProfileName } from '@openaccel/capabilities';
import { loadManifest } from '../discovery.js';
import {
  claimBundle,
  exitStatus,
  formatConsole,
  formatHtml,
  formatJson,
  formatJunit,
  formatKtap,
  Interrupted,
  nativeConformanceForCli,
  progressLine,
  runConformance,
  selectTests,
  SPEC_VERSIONS,
  specOfNode,
  testsOf,
  type RunReport,
  type SpecVersionName,
} from '@openaccel/conformance';
import { accelNodePath, startRefdev, REFDEV_FAULTS, type RefdevProcess } from '@openaccel/refdev';
import { EXIT, UsageError, json, parse, table, type Command } from '../command.js';
import { CannotRunError, checkSysfsRootFor, checkWritableFile, sysfsRootForNode } from '../device-sysfs.js';

const FORMATS = ['console', 'json', 'junit', 'ktap', 'html'] as const;
/** The uAPI a run checks when neither --spec nor --device says (refdev passes the 2.0 suite). */
const DEFAULT_SPEC: SpecVersionName = '2.0';

/** --spec as given, checked. */
function specOption(value: string | undefined): SpecVersionName | undefined {
  if (value === undefined) return undefined;
  if (!(SPEC_VERSIONS as readonly string[]).includes(value)) throw new UsageError(`--spec is one of ${SPEC_VERSIONS.join(', ')}, got '${value}'`);
  return value as SpecVersionName;
}

const classDirOf = (spec: SpecVersionName) => (spec === '2.0' ? 'class/accel' : 'class/openaccel');

export const conformanceRun: Command = {
  path: ['conformance', 'run'],
  summary: 'check a device against the spec: verdict per profile, latency report',
  help: `usage: accelctl conformance run [--device PATH] [--spec 1.0|2.0] [--sysfs-root DIR] [--manifest FILE]
                                [--profile P]... [--filter GLOB]... [--format console|json|junit|ktap|html]
                                [--output FILE] [--bundle FILE] [--refdev-fault NAME]...

Without --device it starts a reference device (refdev) and checks its accel0 against its own manifest
(uAPI ${DEFAULT_SPEC} unless --spec says otherwise; with --refdev-fault, 1.0, whose rules the faults break).
Exit 0 when the device conforms to every profile it claims (the manifest's, or those its capabilities
imply), 1 when it does not, 2 when the run could not happen (no such device, no sysfs tree for it,
a report file that cannot be written).

  --device PATH        device node: /dev/accel/accel0 (2.0 kernel driver), /dev/openaccel/accel0 (1.0), or
                       a refdev socket node (DIR/dev/accel/accelN is 2.0, DIR/dev/openaccel/accelN 1.0)
  --spec V             the uAPI to check, 1.0 or 2.0 (default: what the node is; without --device ${DEFAULT_SPEC},
                       or 1.0 with --refdev-fault)
  --sysfs-root DIR     sysfs root holding class/accel/<name> (2.0) or class/openaccel/<name> (1.0); --sysfs
                       is the same. Without it the tree is found from the node: /sys/dev/char/MAJ:MIN for a
                       character device, DIR/sys for a refdev node under DIR/dev
  --manifest FILE      the device's capability manifest: checked, and its profiles and limits claimed
  --profile P          only the mandatory tests of profile P (core, queue, sva, dmabuf, chain); for a
                       node of another driver: drm-core, dmabuf-exporter or uacce (default: what the
                       node is: a DRM render/accel node, a dma-heap, /dev/udmabuf, a UACCE device)
  --filter GLOB        only tests whose id matches (queue.*, ioctl.**.unknown_flags.*, memory)
  --format F           console (default, with progress on stderr), json, junit, ktap or html
  --output FILE        write the report there instead of stdout
  --bundle FILE        also write a claim bundle: results + manifest + environment + spec version
  --refdev-fault NAME  start the refdev with one rule broken (accelctl refdev faults lists them)

examples:
  accelctl conformance run
  accelctl conformance run --spec 2.0
  accelctl conformance run --device /dev/accel/accel0
  accelctl conformance run --device /dev/openaccel/accel0 --manifest my-device.json --format junit --output results.xml
  accelctl conformance run --filter 'queue.*' --filter latency`,
  async run(argv, io) {
    const { values } = parse(
      argv,
      {
        device: { type: 'string' },
        spec: { type: 'string' },
        'sysfs-root': { type: 'string' },
        sysfs: { type: 'string' },
        manifest: { type: 'string' },
        profile: { type: 'string', multiple: true },
        filter: { type: 'string', multiple: true },
        format: { type: 'string', default: 'console' },
        output: { type: 'string' },
        bundle: { type: 'string' },
        'refdev-fault': { type: 'string', multiple: true },
      },
      false,
    );
    const format = values.format as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw new UsageError(`--format is one of ${FORMATS.join(', ')}, got '${values.format}'`);
    // A DRM, dma-buf or UACCE node (or a drm-core, dmabuf-exporter, uacce profile) gets the profiles for drivers other people wrote.
    const askedSpec = specOption(values.spec);
    const native = values.device && !askedSpec ? await nativeConformanceForCli({ device: values.device, sysfsRoot: values['sysfs-root'] ?? values.sysfs, profiles: values.profile ?? [], format, ...(format === 'console' ? { onProgress: (l: string) => io.err(l) } : {}) }) : undefined;
    if (native) {
      if (native.error) io.err(`accelctl conformance run: could not run: ${native.error}`);
      else if (values.output) writeFileSync(values.output, native.text!);
      else io.out(native.text!.replace(/\n$/, ''));
      return native.exit;
    }
    for (const p of values.profile ?? []) if (!PROFILE_NAMES.includes(p as ProfileName)) throw new UsageError(`--profile is one of ${PROFILE_NAMES.join(', ')}, got '${p}'`);
    const faults = values['refdev-fault'] ?? [];
    for (const f of faults) if (!REFDEV_FAULTS.some((x) => x.name === f)) throw new UsageError(`unknown refdev fault '${f}'; see accelctl refdev faults`);
    if (faults.length && values.device) throw new UsageError('--refdev-fault starts a refdev; it does not combine with --device');
    // The refdev faults break rules of 1.0 (the mutation test and `refdev faults` run on 1.0 nodes).
    const nodeSpec = values.device ? specOfNode(values.device, values['sysfs-root'] ?? values.sysfs ?? '/sys') : undefined;
    const spec: SpecVersionName = askedSpec ?? (values.device ? (nodeSpec ?? '1.0') : faults.length ? '1.0' : DEFAULT_SPEC);
    // drm_ioctl dispatches on the nr alone, so 1.0 requests to a 2.0 node would be answered as other ioctls.
    if (askedSpec && nodeSpec && askedSpec !== nodeSpec) {
      io.err(`accelctl conformance run: could not run: ${values.device} is a uAPI ${nodeSpec} node, not ${askedSpec}\nhint: leave out --spec, or give a ${askedSpec} node (${askedSpec === '2.0' ? '/dev/accel/accelN' : '/dev/openaccel/accelN'})`);
      return EXIT.usage;
    }
    if (values.filter?.length && selectTests(values.filter, spec).length === 0) throw new UsageError(noMatch(values.filter));
    if (values.sysfs !== undefined && values['sysfs-root'] !== undefined && values.sysfs !== values['sysfs-root']) throw new UsageError('--sysfs is --sysfs-root; give one of them');
    const givenRoot = values['sysfs-root'] ?? values.sysfs;
    let sysfsRoot = givenRoot;
    try {
      for (const [option, file] of [['--output', values.output], ['--bundle', values.bundle]] as const) if (file !== undefined) checkWritableFile(file, option);
      if (values.device) {
        if (givenRoot === undefined) sysfsRoot = sysfsRootForNode(values.device, '/sys', classDirOf(spec));
        else checkSysfsRootFor(givenRoot, basename(values.device), 'from --sysfs-root', classDirOf(spec));
      } else if (givenRoot !== undefined) checkSysfsRootFor(givenRoot, 'accel0', 'from --sysfs-root', classDirOf(spec));
    } catch (e) {
      if (!(e instanceof CannotRunError)) throw e;
      io.err(`accelctl conformance run: could not run: ${e.message}\nhint: ${e.hint}`);
      return EXIT.usage;
    }
    // SIGINT and SIGTERM abort the run; the finally below then stops the refdev, whose directory goes with it.
    const interrupt = new AbortController();
    const onSignal = (s: 'SIGINT' | 'SIGTERM') => interrupt.abort(new Interrupted(s));
    const release = () => process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    let refdev: RefdevProcess | undefined;
    let device = values.device;
    let manifestPath = values.manifest;
    if (!device) {
      io.err('starting a reference device (refdev)...');
      try {
        refdev = await startRefdev({ config: { faults } });
      } catch (e) {
        release();
        io.err(`accelctl conformance run: ${(e as Error).message}`);
        return EXIT.usage;
      }
      // 2.0 nodes sit beside 1.0's (R/dev/accel/accelN): same names, same engines.
      device = spec === '2.0' ? accelNodePath(refdev.runtimeDir, 'accel0') : refdev.node('accel0');
      sysfsRoot = givenRoot ?? refdev.sysfsRoot;
      manifestPath ??= join(refdev.runtimeDir, 'manifests', 'accel0.json');
    }
    try {
      // An invalid manifest is the device's failure (manifest.validates), not a usage error.
      const manifest = manifestPath ? loadManifest(manifestPath, { allowInvalid: true }) : undefined;
      let report: RunReport;
      try {
        report = await runConformance({
          // sysfsRoot is set by now: from --sysfs-root, found from the node, or the refdev's.
          target: { device, spec, sysfsRoot: sysfsRoot!, ...(manifest ? { manifest } : {}), ...(manifestPath ? { manifestPath } : {}) },
          ...(values.filter ? { filters: values.filter } : {}),
          ...(values.profile ? { profiles: values.profile as ProfileName[] } : {}),
          onEvent: (e) => {
            const line = progressLine(e);
            if (line && format === 'console') io.err(line);
          },
          signal: interrupt.signal,
        });
      } catch (e) {
        if (interrupt.signal.reason instanceof Interrupted) {
          io.err(`accelctl conformance run: ${interrupt.signal.reason.message}`);
          return interrupt.signal.reason.exitCode;
        }
        io.err(`accelctl conformance run: cannot check ${device}: ${(e as Error).message}`);
        return EXIT.usage;
      }
      const text = { console: formatConsole, json: formatJson, junit: formatJunit, ktap: formatKtap, html: formatHtml }[format](report);
      if (values.output) {
        writeFileSync(values.output, text.endsWith('\n') ? text : `${text}\n`);
        io.err(`report written to ${values.output}`);
        if (format !== 'console') io.err(`verdict: ${report.verdict}`);
      } else io.out(text.replace(/\n$/, ''));
      if (values.bundle) writeFileSync(values.bundle, claimBundle(report, manifest));
      return exitStatus(report);
    } finally {
      await refdev?.stop();
      release();
    }
  },
};

const noMatch = (filters: readonly string[]) => `no test id matches ${filters.join(', ')}; see accelctl conformance list`;

export const conformanceList: Command = {
  path: ['conformance', 'list'],
  summary: 'list the conformance tests: id, mandatory profiles, rule',
  help: `usage: accelctl conformance list [--spec 1.0|2.0] [--filter GLOB]... [--json]

  --spec V   the suite of uAPI 1.0 or 2.0 (default ${DEFAULT_SPEC}, as conformance run)

examples:
  accelctl conformance list --filter 'mmap.*'
  accelctl conformance list --spec 2.0 --filter 'protocol.ring.*'`,
  run(argv, io) {
    const { values } = parse(argv, { spec: { type: 'string' }, filter: { type: 'string', multiple: true }, json: { type: 'boolean' } }, false);
    const spec = specOption(values.spec) ?? DEFAULT_SPEC;
    const tests = selectTests(values.filter ?? [], spec);
    // The same answer as run: a filter that selects nothing is a usage error, not an empty list.
    if (values.filter?.length && tests.length === 0) throw new UsageError(noMatch(values.filter));
    if (values.json) io.out(json('openaccel-cli/conformance-list/1', { spec, tests: tests.map((t) => ({ id: t.id, profiles: t.profiles, requires: t.requires ?? {}, doc: t.doc })) }));
    else io.out(`${table([['ID', 'PROFILES', 'RULE'], ...tests.map((t) => [t.id, t.profiles.join(','), t.doc])])}\n${tests.length} of ${testsOf(spec).length} tests of uAPI ${spec}`);
    return EXIT.ok;
  },
};

export const refdevFaults: Command = {
  path: ['refdev', 'faults'],
  summary: 'list the rules a refdev can break on purpose (for the suite to prove itself)',
  help: `usage: accelctl refdev faults [--json]

One fault name per line. accelctl conformance run --refdev-fault NAME runs the suite against a refdev
with that rule broken; the test named in the fault's description must fail.`,
  run(argv, io) {
    const { values } = parse(argv, { json: { type: 'boolean' } }, false);
    if (values.json) io.out(json('openaccel-cli/refdev-faults/1', { faults: REFDEV_FAULTS }));
    else io.out(REFDEV_FAULTS.map((f) => f.name).join('\n'));
    return EXIT.ok;
  },
};
