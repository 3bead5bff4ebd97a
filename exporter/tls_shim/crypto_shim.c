/* Carries the SONAME libcrypto.so, the bare name Debian's civetweb 1.15
 * opens with dlopen, and depends on OpenSSL 3's libcrypto.so.3, which
 * civetweb's dlsym then searches. It defines nothing of its own. */
__attribute__((visibility("hidden"))) int wgx_crypto_shim_unused;
