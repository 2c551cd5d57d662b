/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * units.h - exact parsing of rates and durations, and human formatting.
 *
 * Parsers return 0 and the value, or -1 and a message in `why` that says what
 * is wrong and what to write instead (the config layer prefixes it with the
 * file, line, column and key).
 */
#ifndef WF_UNITS_H
#define WF_UNITS_H

#include <stddef.h>
#include <stdint.h>

#define UNITS_WHY_MAX 256

/*
 * A rate in bits per second. Bits: 8mbit, 8Mbit/s, 100kbit, 1gbit, 2Mibit.
 * Bytes: 1MB/s, 1MiB/s, 125kB/s. SI prefixes (k M G T) are powers of 1000
 * whatever their case, IEC prefixes (Ki Mi Gi Ti) powers of 1024. Bare
 * numbers and tc's "mbps"-style spellings are rejected as ambiguous.
 */
int units_rate(const char *s, uint64_t *bits_per_s, char *why, size_t n);

/* A size in bytes: 1500B, 64kB, 64KiB, 1MB, 1.5MiB. Bare numbers refused. */
int units_size(const char *s, uint64_t *bytes, char *why, size_t n);

/* A duration in nanoseconds: 500ms, 1s, 1.5s, 2m, 1h, 250us, 100ns. */
int units_duration(const char *s, uint64_t *ns, char *why, size_t n);

/* "8.00 Mbit/s" from bytes per second (shown in bits, as link speeds are). */
void units_fmt_rate(uint64_t bytes_per_s, char *buf, size_t n);

/* "1.50 MB" from bytes (SI, as iperf3 and ip -s print). */
void units_fmt_bytes(uint64_t bytes, char *buf, size_t n);

#endif /* WF_UNITS_H */
