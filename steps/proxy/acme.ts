import type { AcmeLogGrammar } from '../../src/core/acme.js';

/**
 * How jonasal/nginx-certbot and the certbot 2.x inside it report a request on the container's stdout.
 * Samples (real output) are in test/unit/acme.test.ts. Let's Encrypt's (Boulder's) problem details come
 * through certbot's "Domain: / Type: / Detail:" block, or after "An unexpected error occurred:" for rate limits.
 */
export const certbotGrammar: AcmeLogGrammar = {
  attempt: [
    // nginx-certbot's run_certbot.sh: info "Requesting an ECDSA certificate for 'NAME' (http-01 through webroot)"
    /^Requesting an? \w+ certificate for '([^']+)'/,
  ],
  // certbot itself (also when run by hand): inside the wrapper's attempt when there is one
  inner: [/^Requesting a certificate for (\S+)/, /^Renewing an existing certificate for (\S+)/],
  domain: /^\s*Domain:\s+(\S+)/,
  success: [
    /^Successfully received certificate/,
    /^Certificate not yet due for renewal/,
    /Congratulations, all renewals succeeded/,
  ],
  failures: [
    {
      class: 'rate-limit',
      match:
        /urn:ietf:params:acme:error:rateLimited|too many (certificates|failed authorizations|new orders|registrations|requests)|rate limit/i,
    },
    { class: 'caa', match: /CAA record for \S+ prevents issuance|urn:ietf:params:acme:error:caa/ },
    {
      class: 'dns',
      match:
        /DNS problem: |no valid A records found|No valid IP addresses found for|urn:ietf:params:acme:error:dns/,
    },
    {
      class: 'connection',
      match:
        /Timeout during connect|Timeout after connect|Connection refused|Connection reset by peer|Error getting validation data|urn:ietf:params:acme:error:connection/,
    },
    { class: 'unauthorized', match: /Invalid response from |urn:ietf:params:acme:error:unauthorized/ },
  ],
  retryAfter: /retry after (\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\s?UTC|Z)?)/i,
};

/** The issuer of a certificate from Let's Encrypt (production or staging); anything else is the fallback or a local CA. */
export const LETS_ENCRYPT_ISSUER = /Let's Encrypt/;
