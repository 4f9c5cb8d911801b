/** Where refdev publishes a device's 2.0 node and sysfs directory under its runtime directory. */
import { join } from 'node:path';
import { ACCEL_CLASS_DIR } from '@openaccel/sysfs';

/** The 2.0 node of device `name` (a socket standing in for /dev/accel/accelN). */
export function accelNodePath(runtimeDir: string, name: string): string {
  return join(runtimeDir, 'dev/accel', name);
}

/** The accel class directory of device `name` (standing in for /sys/class/accel/accelN). */
export function accelSysfsDir(runtimeDir: string, name: string): string {
  return join(runtimeDir, 'sys', ACCEL_CLASS_DIR, name);
}
