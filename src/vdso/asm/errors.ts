/** Error raised by the assembler. The message is one line: "line 12: unknown instruction 'movq'". */
export class AsmError extends Error {
  override name = 'AsmError';
  /** 1-based source line, when known. */
  readonly line: number | undefined;
  /** The message without the "line N: " prefix. */
  readonly detail: string;
  constructor(detail: string, line?: number) {
    const oneLine = detail.replace(/\s*\n\s*/g, ' ');
    super(line !== undefined ? `line ${line}: ${oneLine}` : oneLine);
    this.line = line;
    this.detail = oneLine;
  }
}

/** Throws an AsmError without a line number; the driver adds it. */
export function fail(detail: string): never {
  throw new AsmError(detail);
}
