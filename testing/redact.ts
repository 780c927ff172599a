// Host paths out of what a student reads: grader folders become relative names, any other absolute path its file name.

import { dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where this copy of vmlab is installed (the folder holding testing/). */
const VMLAB_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** An absolute path of two or more parts, after the start, a space, a quote or a bracket. */
const ABSOLUTE = /(^|[\s'"`(<[=])(\/(?:[^\s'"`:()<>[\],;/]+\/)+)([^\s'"`:()<>[\],;/]*)/gm;

/**
 * `text` with every absolute host path taken out: paths inside the work under test become relative
 * to it (`syscall.s`), inside the exercise folder relative to that (`kernel/main.s`), inside vmlab
 * `vmlab/...`; the folders themselves are named in words; any other absolute path keeps only its
 * last part. Grader machines keep submissions and sources at paths a student should not see and
 * cannot use (on Gradescope /autograder/...), and messages stay the same wherever they ran.
 */
export function redactPaths(text: string, dirs: { readonly exerciseDir?: string; readonly workdir?: string }): string {
  if (text === '') return text;
  const roots: [string, string, string][] = [];
  if (dirs.workdir) roots.push([dirs.workdir, '', 'the work folder']);
  if (dirs.exerciseDir) roots.push([dirs.exerciseDir, '', 'the exercise folder']);
  roots.push([VMLAB_ROOT, 'vmlab/', 'vmlab']);
  // The longest first: the work folder is often inside the exercise folder (starter/).
  roots.sort((a, b) => b[0].length - a[0].length);
  let out = text.replace(/file:\/\/(\/[^\s'"`)]*)/g, (_, p: string) => decodeURI(p));
  for (const [root, inside, itself] of roots) {
    const r = root.endsWith(sep) ? root.slice(0, -1) : root;
    if (r === '') continue;
    out = out.split(`${r}${sep}`).join(inside);
    out = out.replace(new RegExp(`${escapeRegExp(r)}(?![\\w.-])`, 'g'), itself);
  }
  return out.replace(ABSOLUTE, (_, before: string, _dir: string, last: string) => `${before}${last || '/'}`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
