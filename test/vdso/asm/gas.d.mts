export function gasUnavailableReason(): string | null;
export function gasLines(lines: string[], bits?: 64 | 32): string[];
export function gasProgram(source: string, options?: { bits?: 64 | 32; origin?: bigint }): { hex: string; labels: Record<string, number> };
export function hex(bytes: Uint8Array): string;
export function gasLinesLenient(lines: string[], bits?: 64 | 32): (string | null)[];
