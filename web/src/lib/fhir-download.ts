/**
 * "Download my records (FHIR)": the patient's `Patient/{id}/$everything` from the API's FHIR facade
 * (same origin, the session cookie), every page of it gathered into one searchset Bundle and saved as
 * a file. What it holds is exactly what the signed-in account may read, and every record read for it
 * is in the audit trail.
 */

interface FhirBundle {
  resourceType: string;
  link?: { relation: string; url: string }[];
  entry?: unknown[];
  issue?: { diagnostics?: string }[];
}

/** Records per page asked for (the facade's most). */
const PAGE_SIZE = 100;

/** A link of the facade as a path on this origin (the page may only talk to its own origin). */
function sameOrigin(url: string): string {
  const parsed = new URL(url, window.location.origin);
  return `${parsed.pathname}${parsed.search}`;
}

/** Every page of `$everything` as one Bundle; throws with the server's OperationOutcome text. */
export async function fetchEverything(patient: string): Promise<{ bundle: FhirBundle; entries: number }> {
  const first = `/fhir/Patient/${encodeURIComponent(patient)}/$everything?_count=${PAGE_SIZE}`;
  const entries: unknown[] = [];
  let next: string | undefined = first;
  while (next) {
    const response = await fetch(next, { headers: { accept: 'application/fhir+json' }, credentials: 'same-origin' });
    const page = (await response.json().catch(() => ({ resourceType: 'none' }))) as FhirBundle;
    if (!response.ok || page.resourceType !== 'Bundle') {
      throw new Error(`The FHIR download failed (HTTP ${response.status}): ${page.issue?.[0]?.diagnostics ?? 'the server did not answer with a Bundle'}`);
    }
    entries.push(...(page.entry ?? []));
    const link = page.link?.find((candidate) => candidate.relation === 'next')?.url;
    next = link ? sameOrigin(link) : undefined;
  }
  const bundle: FhirBundle & { type: string; timestamp: string } = {
    resourceType: 'Bundle',
    type: 'searchset',
    timestamp: new Date().toISOString(),
    link: [{ relation: 'self', url: new URL(first, window.location.origin).href }],
    entry: entries,
  };
  return { bundle, entries: entries.length };
}

/** Saves the patient's FHIR Bundle as `health-records-<address>.fhir.json`; returns how many resources it holds. */
export async function downloadEverything(patient: string): Promise<number> {
  const { bundle, entries } = await fetchEverything(patient);
  const url = URL.createObjectURL(new Blob([JSON.stringify(bundle, null, 2)], { type: 'application/fhir+json' }));
  try {
    const link = document.createElement('a');
    link.href = url;
    link.download = `health-records-${patient.toLowerCase()}.fhir.json`;
    document.body.append(link);
    link.click();
    link.remove();
  } finally {
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
  return entries;
}
