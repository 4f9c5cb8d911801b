/** accelctl conformance coverage: which tests check each rule of the spec, and which rules nothing checks. */
import { ruleCoverage, ruleCoverageV2, SPEC_VERSIONS, type RuleCoverage } from '@openaccel/conformance';
import { EXIT, json, parse, table, UsageError, type Command } from '../command.js';

const KINDS = ['common', 'errno', 'core', 'mmap', 'protocol', 'opcode', 'status', 'sysfs', 'fdinfo'];
const MAX_TESTS_SHOWN = 3;

function testsColumn(r: RuleCoverage): string {
  if (r.tests.length === 0) return r.exemption !== undefined ? `exempt: ${r.exemption}` : 'UNTESTED';
  const shown = r.tests.slice(0, MAX_TESTS_SHOWN).join(', ');
  return r.tests.length > MAX_TESTS_SHOWN ? `${shown} (+${r.tests.length - MAX_TESTS_SHOWN})` : shown;
}

export const conformanceCoverage: Command = {
  path: ['conformance', 'coverage'],
  summary: 'the rule coverage matrix: every rule of the spec and the tests that check it',
  help: `usage: accelctl conformance coverage [--spec 1.0|2.0] [--kind KIND]... [--untested] [--json]

Every rule of a uAPI version (common and per-ioctl errno rules, mmap rules, the data-path protocol, each
opcode's semantics and statuses; 1.0's sysfs attributes; 2.0's DRM core ioctl errno rules, binding
sections and fdinfo keys) with the conformance tests of that version's suite that check it, or the
reason why none can. Exits 1 when a rule has neither a test nor an exemption, or when the mapping names
a rule or test that does not exist.

options:
  --spec V      the uAPI version: 1.0 (default) or 2.0
  --kind KIND   only rules of this kind: ${KINDS.join(', ')} (repeatable)
  --untested    only rules without a test (exempt or not)
  --json        the matrix as JSON (schema openaccel-cli/conformance-coverage/1)

examples:
  accelctl conformance coverage --kind protocol
  accelctl conformance coverage --spec 2.0 --untested`,
  run(argv, io) {
    const { values } = parse(argv, { spec: { type: 'string' }, kind: { type: 'string', multiple: true }, untested: { type: 'boolean' }, json: { type: 'boolean' } }, false);
    for (const k of values.kind ?? []) if (!KINDS.includes(k)) throw new UsageError(`--kind ${k}: kinds are ${KINDS.join(', ')}`);
    const spec = values.spec ?? '1.0';
    if (!(SPEC_VERSIONS as readonly string[]).includes(spec)) throw new UsageError(`--spec is one of ${SPEC_VERSIONS.join(', ')}, got '${spec}'`);
    const report = spec === '2.0' ? ruleCoverageV2() : ruleCoverage();
    const rules = report.rules.filter((r) => (!values.kind?.length || values.kind.includes(r.kind)) && (!values.untested || r.tests.length === 0));
    const exempt = report.rules.filter((r) => r.tests.length === 0 && r.exemption !== undefined).length;
    if (values.json) {
      io.out(json('openaccel-cli/conformance-coverage/1', { specVersion: report.specVersion, rules, untested: report.untested, stale: report.stale }));
    } else {
      const lines = [table([['RULE', 'KIND', 'TESTS'], ...rules.map((r) => [r.id, r.kind, testsColumn(r)])])];
      lines.push(`${report.rules.length} rules of uAPI ${report.specVersion}: ${report.rules.length - exempt - report.untested.length} tested, ${exempt} exempt, ${report.untested.length} untested`);
      for (const s of report.stale) lines.push(`stale mapping: ${s}`);
      io.out(lines.join('\n'));
    }
    return report.untested.length || report.stale.length ? EXIT.fail : EXIT.ok;
  },
};
