/** 0x-prefixed lowercase hex, the way readelf and the kernel print addresses. */
export function hex(value: number): string {
  return `0x${value.toString(16)}`;
}
