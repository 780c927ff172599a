// The JUnit reporter: <testsuites> with one <testsuite> and a <testcase> per check, valid under Jenkins' and Ant's XSDs.
//
// What both schemas accept: a bare <testsuites> root; on <testsuite> name, tests, failures, errors,
// skipped, time (seconds), timestamp (ISO 8601 without a zone), hostname, id and package; <properties>
// first and <system-out>, <system-err> last; on <testcase> name, classname, time; <failure> and <error>
// with message and type. A run that could not start is one <testcase> "setup" with an <error>.

import { hostname } from 'node:os';
import { create } from 'xmlbuilder2';
import type { SuiteResult } from '../suite.js';

const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function renderJunit(r: SuiteResult): string {
  const failures = r.checks.filter((k) => !k.passed && !k.error).length;
  const errors = r.checks.filter((k) => k.error).length + (r.setupError ? 1 : 0);
  // Characters XML 1.0 cannot hold at all (control characters in a message) are dropped.
  const doc = create({ version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '' });
  const suite = doc.ele('testsuites').ele('testsuite', {
    name: r.title,
    tests: String(r.checks.length + (r.setupError ? 1 : 0)),
    failures: String(failures),
    errors: String(errors),
    skipped: '0',
    time: seconds(r.ms),
    timestamp: r.startedAt.slice(0, 19),
    hostname: hostname() || 'localhost',
    id: '0',
    package: 'vmlab',
  });
  const props = suite.ele('properties');
  props.ele('property', { name: 'score', value: String(r.score) });
  props.ele('property', { name: 'maxScore', value: String(r.maxScore) });
  if (r.setupError)
    suite
      .ele('testcase', { name: 'setup', classname: r.title, time: '0.000' })
      .ele('error', { message: r.setupError.split('\n')[0]!, type: 'SetupError' })
      .txt(r.setupError);
  for (const k of r.checks) {
    const tc = suite.ele('testcase', { name: k.name, classname: r.title, time: seconds(k.ms) });
    if (k.passed) continue;
    tc.ele(k.error ? 'error' : 'failure', { message: k.message.split('\n')[0]!, type: k.error ? 'Error' : 'CheckFailure' }).txt(
      k.diff ? `${k.message}\n\n${k.diff}` : k.message,
    );
  }
  suite.ele('system-out');
  suite.ele('system-err');
  return `${doc.end({ prettyPrint: true })}\n`;
}
