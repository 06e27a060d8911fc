/**
 * Whether no value appears twice in `list` (by SameValueZero, as a Set compares). Input lists
 * refuse repeats rather than keep them: a repeat is a mistake of the sender's, and a list
 * stored as sent would give a file two links, or a setting a value twice.
 */
export function isDistinct(list: readonly unknown[]): boolean {
  return new Set(list).size === list.length;
}
