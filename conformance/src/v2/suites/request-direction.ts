/**
 * The direction bits of a request decide what drm_ioctl() copies (rule size.drm-ioctl): without _IOC_WRITE
 * nothing of the caller's struct reaches the driver, which sees zeros.
 */
import { drmConstant, drmCoreIoctl, ioc } from '@openaccel/uapi';
import { expectErrno, expectSuccess } from '../../env.js';
import type { TestCase } from '../../model.js';
import type { AccelEnv } from '../accel-env.js';

const GET_CAP = drmCoreIoctl('DRM_IOCTL_GET_CAP');

export const requestDirectionSuite: TestCase<AccelEnv>[] = [
  {
    id: 'protocol.size.drm-ioctl.read_only_request',
    doc: 'a request without the write direction bit passes nothing in: GET_CAP sent as _IOR with DRM_CAP_SYNCOBJ in its struct is answered as capability 0 (EOPNOTSUPP), while the same struct sent as _IOWR succeeds',
    profiles: ['core'],
    run(env) {
      const t = env.open();
      const syncobjCap = () => GET_CAP.encode({ capability: BigInt(drmConstant('DRM_CAP_SYNCOBJ')) });
      expectSuccess('GET_CAP DRM_CAP_SYNCOBJ as _IOWR', t.ioctl(GET_CAP.request, syncobjCap()).errno);
      expectErrno('GET_CAP of capability 0 as _IOWR', 'EOPNOTSUPP', t.ioctl(GET_CAP.request, GET_CAP.encode({ capability: 0n })).errno);
      const readOnly = ioc('generic', 'read', 0x64, GET_CAP.request & 0xff, GET_CAP.sizeBytes);
      expectErrno('GET_CAP as _IOR, its struct naming DRM_CAP_SYNCOBJ (the driver sees capability 0)', 'EOPNOTSUPP', t.ioctl(readOnly, syncobjCap()).errno);
    },
  },
];
