/**
 * ELF shared-object writer for vDSO images (the project's "vdso linker script + vdso2c").
 *
 *   const layout = layoutVdso({ elfClass: 64, soname, versions });   // names only
 *   const code = assemble(source, { origin: layout.textOffset });    // knows its offset
 *   const image = buildVdsoImage({ elfClass: 64, soname, versions: withOffsets, text: code.bytes, linuxVersionCode });
 *   // image.textOffset === layout.textOffset
 */
export { buildVdsoImage, VDSO_PAGE_SIZE } from './writer.js';
export type { VdsoImage, VdsoImageSpec, VdsoSymbol, VdsoVersionSpec } from './writer.js';
export { layoutVdso, VDSO_PREFIX } from './layout.js';
export type { VdsoLayout, VdsoLayoutSpec, VdsoSectionLayout, VdsoVersionLayoutSpec } from './layout.js';
export { elfHash, gnuHash } from './hash.js';
