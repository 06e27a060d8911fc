export const name = "upload-5g";
export async function run() {
  return {};
}
export function report() {
  return [];
}
