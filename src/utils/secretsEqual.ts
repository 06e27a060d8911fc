/**
 * Constant-time comparison of two secrets. Both are hashed first: timingSafeEqual needs
 * equal-length inputs, and comparing equal-length digests also keeps the secret's length
 * from leaking through the comparison time.
 */
export async function secretsEqual(presented: string, expected: string): Promise<boolean> {
  const digest = (text: string) => crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  const [a, b] = await Promise.all([digest(presented), digest(expected)]);
  return crypto.subtle.timingSafeEqual(a, b);
}
