// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The device functions on the kernel's own libraries: crc32c (libcrc32c), AES-GCM (the crypto API's
 * "gcm(aes)": Debian's 6.12 builds no lib/crypto AES-GCM), SHA-256 and zlib. Only the engine thread of
 * a device calls these, so its transform, bounce buffers and zlib workspaces need no lock.
 */
#include <crypto/aead.h>
#include <linux/crc32c.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/zlib.h>
#include "oa_drv.h"

int oa_functions_init(struct oa_dev *d)
{
	d->deflate_ws = vzalloc(zlib_deflate_workspacesize(-MAX_WBITS,
							   MAX_MEM_LEVEL));
	d->inflate_ws = vzalloc(zlib_inflate_workspacesize());
	/* GCM works on linear memory and the operands are vmapped GEM pages: they go through this buffer. */
	d->gcm_buf = kmalloc(OA_MAX_TRANSFER + OA_AES_GCM_TAG_SIZE, GFP_KERNEL);
	d->sva_buf[0] = kvmalloc(OA_MAX_TRANSFER, GFP_KERNEL);
	d->sva_buf[1] = kvmalloc(OA_MAX_TRANSFER, GFP_KERNEL);
	d->sva_buf[2] = kzalloc(sizeof(struct oa_aes_gcm_params), GFP_KERNEL);
	d->gcm = crypto_alloc_aead("gcm(aes)", 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(d->gcm)) {
		int ret = PTR_ERR(d->gcm);

		d->gcm = NULL;
		oa_functions_fini(d);
		return ret;
	}
	if (!d->deflate_ws || !d->inflate_ws || !d->gcm_buf ||
	    !d->sva_buf[0] || !d->sva_buf[1] || !d->sva_buf[2] ||
	    crypto_aead_setauthsize(d->gcm, OA_AES_GCM_TAG_SIZE)) {
		oa_functions_fini(d);
		return -ENOMEM;
	}
	return 0;
}

void oa_functions_fini(struct oa_dev *d)
{
	if (d->gcm)
		crypto_free_aead(d->gcm);
	d->gcm = NULL;
	kfree(d->gcm_buf);
	d->gcm_buf = NULL;
	kvfree(d->sva_buf[0]);
	kvfree(d->sva_buf[1]);
	kfree_sensitive(d->sva_buf[2]);
	memset(d->sva_buf, 0, sizeof(d->sva_buf));
	vfree(d->deflate_ws);
	d->deflate_ws = NULL;
	vfree(d->inflate_ws);
	d->inflate_ws = NULL;
}

/* CRC-32C of data following `previous` (the CRC of the bytes before; 0 to start): OA_OP_CRC32C. */
u32 oa_crc32c(u32 previous, const u8 *data, size_t len)
{
	/* crc32c() is the raw register update; the published CRC is its complement. */
	return ~crc32c(~previous, data, len);
}

/*
 * AES-GCM with a 96-bit IV and no AAD: ENCRYPT writes the tag into tag_out; DECRYPT checks p->tag and
 * returns -EBADMSG with dst zeroed on mismatch.
 */
int oa_aes_gcm(struct oa_dev *d, bool encrypt,
	       const struct oa_aes_gcm_params *p, const u8 *src, u8 *dst,
	       size_t len, u8 tag_out[OA_AES_GCM_TAG_SIZE])
{
	u8 iv[OA_AES_GCM_IV_SIZE], *tag;
	struct scatterlist sg;
	struct aead_request *req;
	int ret;

	if (p->key_bytes != 16 && p->key_bytes != 24 && p->key_bytes != 32)
		return -EINVAL;
	ret = crypto_aead_setkey(d->gcm, p->key, p->key_bytes);
	if (ret)
		return ret;
	req = aead_request_alloc(d->gcm, GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	/*
	 * The tag follows the data in gcm_buf: a scatterlist takes only linear-map addresses, and the stack
	 * is vmapped (on arm64 a stack tag oopsed in flush_dcache_page).
	 */
	tag = d->gcm_buf + len;
	memcpy(d->gcm_buf, src, len);
	memcpy(iv, p->iv, sizeof(iv));
	memcpy(tag, p->tag, OA_AES_GCM_TAG_SIZE);
	sg_init_one(&sg, d->gcm_buf, len + OA_AES_GCM_TAG_SIZE);
	aead_request_set_callback(req, 0, NULL, NULL);
	aead_request_set_ad(req, 0);
	if (encrypt) {
		aead_request_set_crypt(req, &sg, &sg, len, iv);
		ret = crypto_aead_encrypt(req);
		if (!ret) {
			memcpy(dst, d->gcm_buf, len);
			memcpy(tag_out, tag, OA_AES_GCM_TAG_SIZE);
		}
	} else {
		aead_request_set_crypt(req, &sg, &sg, len + OA_AES_GCM_TAG_SIZE, iv);
		ret = crypto_aead_decrypt(req);
		if (!ret)
			memcpy(dst, d->gcm_buf, len);
		else if (ret == -EBADMSG)
			memset(dst, 0, len);
	}
	memzero_explicit(d->gcm_buf, len + OA_AES_GCM_TAG_SIZE);
	aead_request_free(req);
	return ret;
}

/* One raw DEFLATE stream (RFC 1951): 0, or -ENOSPC when it does not fit. */
int oa_deflate(void *ws, const u8 *src, size_t len, u8 *dst, size_t cap,
	       int level, size_t *out)
{
	struct z_stream_s z = { .workspace = ws };
	int ret;

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

/* Inflates one complete raw stream: 0, -ENOSPC when the output does not fit, -EBADMSG for bad input. */
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
