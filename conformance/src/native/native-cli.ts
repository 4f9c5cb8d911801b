/**
 * What `accelctl conformance run --device PATH` does with a node that is not an OpenAccel device (or when
 * a native profile is asked for): run the profiles that apply and give back the report text and the exit
 * status. The CLI prints; this prints nothing.
 */
import { NATIVE_PROFILES } from './native-registry.js';
import { formatNativeConsole, formatNativeJson } from './native-console.js';
import { NativeRunError, runNativeConformance } from './native-runner.js';
import { identifyNode, type NativeProfile } from './node-kind.js';
import { specOfNode } from '../v2/node-spec.js';

export interface NativeCliRequest {
  device: string;
  sysfsRoot?: string | undefined;
  /** --profile values as given. */
  profiles: readonly string[];
  format: string;
  /** A progress line per test, for a person watching (console format). */
  onProgress?: (line: string) => void;
}

export interface NativeCliAnswer {
  /** The report, or undefined when the run could not happen. */
  text?: string;
  /** Why the run could not happen (exit 2). */
  error?: string;
  exit: 0 | 1 | 2;
}

/** Undefined when the OpenAccel runner should take the node (an OpenAccel 1.0 or 2.0 node and no native profile asked). */
export async function nativeConformanceForCli(req: NativeCliRequest): Promise<NativeCliAnswer | undefined> {
  const asked = req.profiles.filter((p): p is NativeProfile => (NATIVE_PROFILES as readonly string[]).includes(p));
  const node = identifyNode(req.device, req.sysfsRoot ?? '/sys');
  if (asked.length === 0 && (node.kind === 'openaccel' || node.kind === 'unknown' || specOfNode(req.device, req.sysfsRoot ?? '/sys') === '2.0')) return undefined;
  if (asked.length !== req.profiles.length) return { exit: 2, error: `--profile ${req.profiles.filter((p) => !asked.includes(p as NativeProfile)).join(', ')} is an OpenAccel profile; ${req.device} is checked with ${NATIVE_PROFILES.join(', ')}` };
  if (req.format !== 'console' && req.format !== 'json') return { exit: 2, error: `the ${NATIVE_PROFILES.join(', ')} profiles report as console or json, not ${req.format}` };
  try {
    const report = await runNativeConformance({
      device: req.device,
      ...(req.sysfsRoot ? { sysfsRoot: req.sysfsRoot } : {}),
      ...(asked.length ? { profiles: asked } : {}),
      ...(req.onProgress ? { onResult: (r, i, n) => req.onProgress!(`[${i}/${n}] ${r.status.toUpperCase()} ${r.id}`) } : {}),
    });
    return { text: req.format === 'json' ? formatNativeJson(report) : `${formatNativeConsole(report)}\n`, exit: report.verdict === 'conformant' ? 0 : 1 };
  } catch (e) {
    if (e instanceof NativeRunError) return { exit: 2, error: e.message };
    throw e;
  }
}
