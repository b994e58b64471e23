import { buildVdso64, Vdso64Image } from '../vdso/image.js';
import { assembleEntryCode, EntryCode } from './entry-stubs.js';

/**
 * The machine code the kernel needs at boot: its entry stubs and the vDSO image. Like
 * Linux, which assembles both when the kernel is built (vdso2c turns the image into a
 * byte array), the CLI bundle carries them prebuilt by scripts/build.mjs, so a run does
 * not pay for the assembler; code that runs from source (the tests) builds them here.
 * Both paths run the same builder, so the bytes are the same.
 */
declare const __X64EMU_PREBUILT_IMAGES__: string | undefined;

interface BootImages {
  entry: EntryCode;
  vdso: Vdso64Image;
}

let cached: BootImages | null = null;

export function bootImages(): BootImages {
  if (cached) return cached;
  if (typeof __X64EMU_PREBUILT_IMAGES__ === 'string') cached = deserializeImages(__X64EMU_PREBUILT_IMAGES__);
  else cached = { entry: assembleEntryCode(), vdso: buildVdso64() };
  return cached;
}

/** JSON with Uint8Array and Map values, for carrying the images in the bundle. */
export function serializeImages(images: BootImages): string {
  return JSON.stringify(images, (_key, value: unknown) => {
    if (value instanceof Uint8Array) return { $bytes: encodeBase64(value) };
    if (value instanceof Map) return { $map: [...value.entries()] };
    return value;
  });
}

function deserializeImages(json: string): BootImages {
  return JSON.parse(json, (_key, value: unknown) => {
    if (value && typeof value === 'object' && '$bytes' in value) return decodeBase64((value as { $bytes: string }).$bytes);
    if (value && typeof value === 'object' && '$map' in value) return new Map((value as { $map: Array<[string, number]> }).$map);
    return value;
  }) as BootImages;
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function decodeBase64(text: string): Uint8Array {
  // Node's atob is JavaScript that checks each character: 1-4 ms of every start-up,
  // where Buffer decodes natively in 0.1. (A copy: Buffer may share a pool.)
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(text, 'base64'));
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
