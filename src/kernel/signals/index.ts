/** Signals: state, generation and delivery, frames, system calls (see each module). */
export * from './constants.js';
export { SignalState } from './state.js';
export type { SigAction, SigInfo } from './state.js';
export { exceptionSignal, exitToUser, forceSignal, kernelSignal, pageFaultSignal, sendSignal, signalPending } from './deliver.js';
export {
  sysKill, sysPause, sysRtSigaction, sysRtSigpending, sysRtSigprocmask, sysRtSigreturn, sysRtSigsuspend,
  sysSigaltstack, sysTgkill, sysTkill,
} from './syscalls.js';
