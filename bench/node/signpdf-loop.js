// Signs the same PDF N times with @signpdf (placeholder + P12 signer) and prints signatures/s.
const fs = require('fs');
const { plainAddPlaceholder } = require('@signpdf/placeholder-plain');
const { P12Signer } = require('@signpdf/signer-p12');
const signpdf = require('@signpdf/signpdf').default;

async function main() {
  const [pdfPath, p12Path, n] = process.argv.slice(2);
  const pdf = fs.readFileSync(pdfPath);
  const p12 = fs.readFileSync(p12Path);
  const count = parseInt(n, 10);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const withPlaceholder = plainAddPlaceholder({ pdfBuffer: pdf, reason: 'bench', contactInfo: '', name: 'bench', location: '' });
    // A signer per document: P12Signer consumes its parsed P12 buffer on sign().
    await signpdf.sign(withPlaceholder, new P12Signer(p12, { passphrase: 'bench' }));
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(JSON.stringify({ n: count, sign_per_s: count / secs }));
}
main().catch((e) => { console.error(e.stack); process.exit(1); });
