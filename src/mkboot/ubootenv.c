#include "ubootenv.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int uboot_env_write(const struct platform *p, FILE *out, struct xu_err *err)
{
    size_t data_bytes = p->uboot_env_bytes - UBOOT_ENV_CRC_BYTES, used = 0;
    unsigned char *image = calloc(1, p->uboot_env_bytes);
    unsigned char *data = image + UBOOT_ENV_CRC_BYTES;
    uLong crc;
    int rc = 0;

    if (!image)
        return xu_fail(err, "out of memory");
    for (size_t i = 0; i < p->n_uboot_env; i++) {
        size_t len = strlen(p->uboot_env[i]) + 1;

        /* One more byte stays for the empty entry that ends the list. */
        if (used + len + 1 > data_bytes) {
            free(image);
            return xu_fail(err, "%s: uboot_env is larger than uboot_env_kib", p->source);
        }
        memcpy(data + used, p->uboot_env[i], len);
        used += len;
    }
    crc = crc32(crc32(0L, Z_NULL, 0), data, (uInt)data_bytes);
    for (int i = 0; i < UBOOT_ENV_CRC_BYTES; i++)
        image[i] = (unsigned char)(crc >> (8 * i)); /* little-endian, as u-boot stores it */
    if (fwrite(image, 1, p->uboot_env_bytes, out) != p->uboot_env_bytes)
        rc = xu_fail(err, "write error");
    free(image);
    return rc;
}
