/** Every test of the profiles for interfaces other people wrote, by profile. */
import { dmabufExporterSuite } from '../suites/dmabuf-exporter.js';
import { drmCoreSuite } from '../suites/drm-core.js';
import { uacceSuite } from '../suites/uacce.js';
import type { NativeTest } from './native-model.js';
import type { NativeProfile } from './node-kind.js';

export const NATIVE_PROFILES: readonly NativeProfile[] = ['drm-core', 'dmabuf-exporter', 'uacce'];

export const NATIVE_TESTS: readonly NativeTest[] = [...drmCoreSuite, ...dmabufExporterSuite, ...uacceSuite];

export function nativeTestById(id: string): NativeTest | undefined {
  return NATIVE_TESTS.find((t) => t.id === id);
}
