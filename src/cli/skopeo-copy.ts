/**
 * One planned copy as a `skopeo copy` command. Two rules of skopeo's `docker://`
 * references (containers/image) shape it:
 * - a reference may not hold both a tag and a digest ("Docker references with
 *   both a tag and digest are currently not supported"), so a source
 *   `name:tag@sha256:…` is read by its digest alone, which is all a node pulls;
 * - a destination with a tag is pushed under that tag, and one with only a
 *   digest is pushed by that digest (containers/image accepts it when the
 *   manifest matches it).
 * `--preserve-digests` makes skopeo fail rather than store an image under
 * another digest, so a rewritten `…:tag@sha256:…` is found in Harbor after
 * the copy, and `--all` copies every architecture of a multi-arch image.
 */
import type { ImageCopy } from '../core/sync-plan.ts';
import { normalizedName, type ImageReference } from '../core/reference.ts';

/** The flags every copy is made with, before the user's own. */
export const SKOPEO_COPY_FLAGS = ['--all', '--preserve-digests'] as const;

/** `docker://` source and destination of `copy`, as skopeo accepts them. */
export function skopeoReferences(copy: ImageCopy): {
  readonly source: string;
  readonly destination: string;
} {
  return {
    source: `docker://${byDigestElseTag(copy.sourceReference)}`,
    destination: `docker://${byTagElseDigest(copy.destinationReference)}`,
  };
}

/** A source is read by what a node pulls: the digest when there is one. */
function byDigestElseTag(reference: ImageReference): string {
  if (reference.digest !== undefined) return `${normalizedName(reference)}@${reference.digest}`;
  return `${normalizedName(reference)}:${reference.tag ?? 'latest'}`;
}

/**
 * A destination keeps its tag when it has one, so Harbor holds a tagged
 * artifact (which its "untagged artifacts" garbage collection and tag
 * retention leave alone); an image named by digest alone is pushed by digest.
 */
function byTagElseDigest(reference: ImageReference): string {
  if (reference.tag === undefined && reference.digest !== undefined) {
    return `${normalizedName(reference)}@${reference.digest}`;
  }
  return `${normalizedName(reference)}:${reference.tag ?? 'latest'}`;
}

/**
 * `text` as one POSIX shell word: single-quoted, each `'` written `'\''`.
 * References are validated, so none holds a quote; quoting them anyway keeps
 * the `[` `]` of an IPv6 host from being read as a glob.
 */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/** `skopeo copy --all --preserve-digests 'docker://…' 'docker://…'`: one copy, ready to paste into a shell. */
export function skopeoCopyCommand(copy: ImageCopy): string {
  const { source, destination } = skopeoReferences(copy);
  return ['skopeo', 'copy', ...SKOPEO_COPY_FLAGS, shellQuote(source), shellQuote(destination)].join(
    ' ',
  );
}
