// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The device functions, in the kernel. CRC-32C and GCM are written here because the Debian kernels'
 * crc32c and gcm are modules an initramfs may lack; AES, SHA-256 and zlib are built-in libraries.
 */
#include <linux/version.h>
#include <crypto/aes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/zlib.h>
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 0)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif
#include "oa.h"

/* Constant-time comparison of a tag. */
static bool tags_differ(const u8 *a, const u8 *b, size_t n)
{
	u8 d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= a[i] ^ b[i];
	return d != 0;
}

static u32 crc_table[256];

static void crc_init(void)
{
	u32 i, k, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78 : c >> 1;
		crc_table[i] = c;
	}
}

/* CRC-32C of data following `previous` (the CRC of the bytes before; 0 to start): OA_OP_CRC32C. */
u32 oa_crc32c(u32 previous, const u8 *data, size_t len)
{
	u32 c = ~previous;
	size_t i;

	if (!crc_table[1])
		crc_init();
	for (i = 0; i < len; i++)
		c = crc_table[(c ^ data[i]) & 0xff] ^ (c >> 8);
	return ~c;
}

/* x = x * y in GF(2^128) with the GCM bit order (NIST SP 800-38D, algorithm 1). */
static void gf128_mul(u8 x[16], const u8 y[16])
{
	u8 z[16] = { 0 }, v[16];
	int i, j, lsb;

	memcpy(v, y, 16);
	for (i = 0; i < 128; i++) {
		if (x[i / 8] & (0x80 >> (i % 8)))
			for (j = 0; j < 16; j++)
				z[j] ^= v[j];
		lsb = v[15] & 1;
		for (j = 15; j > 0; j--)
			v[j] = (v[j] >> 1) | (v[j - 1] << 7);
		v[0] >>= 1;
		if (lsb)
			v[0] ^= 0xe1;
	}
	memcpy(x, z, 16);
}

static void ghash_block(u8 s[16], const u8 h[16], const u8 *blk, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s[i] ^= blk[i];
	gf128_mul(s, h);
}

static void inc32(u8 ctr[16])
{
	int i;

	for (i = 15; i >= 12; i--)
		if (++ctr[i])
			break;
}

/*
 * AES-GCM with a 96-bit IV and no AAD: OA_OP_AES_GCM_ENCRYPT writes the tag into tag_out;
 * OA_OP_AES_GCM_DECRYPT compares with p->tag and returns -EBADMSG (dst zeroed) on mismatch.
 */
int oa_aes_gcm(bool encrypt, const struct oa_aes_gcm_params *p, const u8 *src,
	       u8 *dst, size_t len, u8 tag_out[OA_AES_GCM_TAG_SIZE])
{
	struct crypto_aes_ctx *aes;
	u8 h[16] = { 0 }, j0[16], ctr[16], ks[16], s[16] = { 0 },
	   lenblk[16] = { 0 }, tag[16];
	size_t off, n, i;
	int ret;

	if (p->key_bytes != 16 && p->key_bytes != 24 && p->key_bytes != 32)
		return -EINVAL;
	aes = kzalloc(sizeof(*aes), GFP_KERNEL);
	if (!aes)
		return -ENOMEM;
	ret = aes_expandkey(aes, p->key, p->key_bytes);
	if (ret)
		goto out;
	aes_encrypt(aes, h, h);
	memcpy(j0, p->iv, 12);
	j0[12] = 0;
	j0[13] = 0;
	j0[14] = 0;
	j0[15] = 1;
	memcpy(ctr, j0, 16);
	/* GHASH runs over the ciphertext: the input when decrypting, the output when encrypting. */
	for (off = 0; off < len; off += 16) {
		n = min_t(size_t, 16, len - off);
		if (!encrypt)
			ghash_block(s, h, src + off, n);
		inc32(ctr);
		aes_encrypt(aes, ks, ctr);
		for (i = 0; i < n; i++)
			dst[off + i] = src[off + i] ^ ks[i];
		if (encrypt)
			ghash_block(s, h, dst + off, n);
	}
	put_unaligned_be64((u64)len * 8, lenblk + 8);
	ghash_block(s, h, lenblk, 16);
	aes_encrypt(aes, tag, j0);
	for (i = 0; i < 16; i++)
		tag[i] ^= s[i];
	if (encrypt) {
		memcpy(tag_out, tag, 16);
	} else if (tags_differ(tag, p->tag, 16)) {
		memset(dst, 0, len);
		ret = -EBADMSG;
	}
out:
	kfree_sensitive(aes);
	return ret;
}

size_t oa_deflate_ws_size(void)
{
	return zlib_deflate_workspacesize(-MAX_WBITS, MAX_MEM_LEVEL);
}

size_t oa_inflate_ws_size(void)
{
	return zlib_inflate_workspacesize();
}

/* One raw DEFLATE stream (RFC 1951): 0, -ENOSPC when it does not fit, -EINVAL for a bad level. */
int oa_deflate(void *ws, const u8 *src, size_t len, u8 *dst, size_t cap,
	       int level, size_t *out)
{
	struct z_stream_s z = { .workspace = ws };
	int ret;

	if (level < 0 || level > 9)
		return -EINVAL;
	if (zlib_deflateInit2(&z, level, Z_DEFLATED, -MAX_WBITS, MAX_MEM_LEVEL,
			      Z_DEFAULT_STRATEGY) != Z_OK)
		return -EIO;
	z.next_in = src;
	z.avail_in = len;
	z.next_out = dst;
	z.avail_out = cap;
	ret = zlib_deflate(&z, Z_FINISH);
	*out = z.total_out;
	zlib_deflateEnd(&z);
	return ret == Z_STREAM_END ? 0 : -ENOSPC;
}

/* Inflates one complete raw stream: 0, -ENOSPC when the output does not fit, -EBADMSG for corrupt or truncated input. */
int oa_inflate(void *ws, const u8 *src, size_t len, u8 *dst, size_t cap,
	       size_t *out)
{
	struct z_stream_s z = { .workspace = ws };
	int ret;

	if (zlib_inflateInit2(&z, -MAX_WBITS) != Z_OK)
		return -EIO;
	z.next_in = src;
	z.avail_in = len;
	z.next_out = dst;
	z.avail_out = cap;
	ret = zlib_inflate(&z, Z_FINISH);
	*out = z.total_out;
	zlib_inflateEnd(&z);
	if (ret == Z_STREAM_END)
		return 0;
	if (z.avail_out == 0 && ret != Z_DATA_ERROR)
		return -ENOSPC;
	return -EBADMSG;
}
