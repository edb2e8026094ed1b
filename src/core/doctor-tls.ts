import { certificateRequestFinding } from './acme.js';
import type { DoctorCheck } from './doctor-types.js';
import { ok } from './doctor-types.js';

/** The certificate the install answers with, and why its newest request failed. */
export const tlsChecks: DoctorCheck[] = [
  {
    id: 'certificate',
    title: 'TLS certificate',
    run(f) {
      const c = f.certificate;
      if (!c) return undefined;
      // A platform with its own TLS (chatmail) requests its certificate itself: its log, not the proxy's, says why.
      const log = f.ownTls ? `wizard logs ${f.name} --tail 100` : (f.proxyLogs ?? 'the proxy log');
      if ('error' in c)
        return {
          id: 'certificate',
          severity: 'fail',
          title: 'TLS certificate',
          evidence: c.error,
          remedy: f.ownTls
            ? `Read the log of the certificate request: ${log}`
            : `Read the proxy log for the certbot request: ${log}`,
        };
      if (c.daysLeft < 7)
        return {
          id: 'certificate',
          severity: 'fail',
          title: 'TLS certificate',
          evidence: `${c.issuer}, expires in ${c.daysLeft} days`,
          remedy: `Renewal is failing: ${log}`,
        };
      if (c.daysLeft < 20)
        return {
          id: 'certificate',
          severity: 'warn',
          title: 'TLS certificate',
          evidence: `${c.issuer}, expires in ${c.daysLeft} days`,
          remedy: `It should renew by itself 30 days before expiry; check the log: ${log}`,
        };
      return ok('certificate', 'TLS certificate', `${c.issuer}, ${c.daysLeft} days left`);
    },
  },
  {
    id: 'certificate-request',
    title: 'Certificate request',
    run: (f) => (f.certificateRequest ? certificateRequestFinding(f.certificateRequest) : undefined),
  },
];
