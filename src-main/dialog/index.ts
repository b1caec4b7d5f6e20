/** The dialog layer's public surface (RFC 3261 §12, §13.2.2.4, §14). */
export { dialogKey, dialogIdEquals, uacDialogId, uasDialogId, incomingDialogId, type DialogId } from './dialog-id';
export { uasRouteSet, uacRouteSet, isLooseRoute, requestTarget, type RequestTarget } from './route-set';
export { DIALOG_NEXT, checkDialogTransition, type DialogState } from './dialog-state';
export {
  Dialog,
  TARGET_REFRESH_METHODS,
  type DialogEvents,
  type DialogOptions,
  type DialogRequest,
  type DialogRequestOptions,
  type DialogUser,
  type HopResolver,
  type NewDialogOptions,
  type SentAck,
  type RemoteCseqCheck,
} from './dialog';
export { DialogTable } from './dialog-table';
export { DialogLayer, type DialogLayerOptions, type DialogTransactions } from './dialog-layer';
export { InviteDialogs, type InviteDialogHost, type InviteResponseOutcome } from './early-dialogs';
export { ReinviteQueue, glareRetryDelay, type IncomingAdmission, type ReinviteQueueOptions, type ReinviteQueueState } from './reinvite-queue';
