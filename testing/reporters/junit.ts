// The JUnit reporter: one <testsuite> with a <testcase> per check, <failure> or <error> with the message and diff.

import type { SuiteResult } from '../suite.js';

export function xmlEscape(s: string): string {
  // Characters XML 1.0 cannot hold at all are dropped.
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function renderJunit(r: SuiteResult): string {
  const failures = r.checks.filter((k) => !k.passed && !k.error).length;
  const errors = r.checks.filter((k) => k.error).length;
  const time = (ms: number) => (ms / 1000).toFixed(3);
  const total = r.checks.reduce((n, k) => n + k.ms, 0);
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  out.push(`<testsuites tests="${r.checks.length}" failures="${failures}" errors="${errors}" time="${time(total)}">`);
  out.push(
    `  <testsuite name="${xmlEscape(r.title)}" tests="${r.checks.length}" failures="${failures}" errors="${errors}" time="${time(total)}">`,
  );
  out.push(`    <properties><property name="score" value="${r.score}"/><property name="maxScore" value="${r.maxScore}"/></properties>`);
  for (const k of r.checks) {
    const open = `    <testcase name="${xmlEscape(k.name)}" classname="${xmlEscape(r.title)}" time="${time(k.ms)}"`;
    if (k.passed) {
      out.push(`${open}/>`);
      continue;
    }
    const tag = k.error ? 'error' : 'failure';
    const body = k.diff ? `${k.message}\n\n${k.diff}` : k.message;
    out.push(`${open}>`);
    out.push(`      <${tag} message="${xmlEscape(k.message.split('\n')[0]!)}">${xmlEscape(body)}</${tag}>`);
    out.push('    </testcase>');
  }
  out.push('  </testsuite>');
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
