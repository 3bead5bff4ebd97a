/* Carries the SONAME libssl.so, the bare name Debian's civetweb 1.15 opens
 * with dlopen, and depends on OpenSSL 3's libssl.so.3, so civetweb's dlsym
 * finds every OpenSSL function through it. The one function of the OpenSSL
 * 1.1 API that civetweb needs and OpenSSL 3 renamed is defined here:
 * SSL_get1_peer_certificate keeps the old function's reference rule (the
 * caller frees the certificate it gets). */
struct ssl_st;
struct x509_st;

extern struct x509_st* SSL_get1_peer_certificate(const struct ssl_st* ssl);

__attribute__((visibility("default"))) struct x509_st* SSL_get_peer_certificate(
    const struct ssl_st* ssl) {
  return SSL_get1_peer_certificate(ssl);
}
