// Writes the local secrets of local.settings.json (git-ignored), as scripts/start needs them: creates the file from
// local.settings.sample.json when missing, then gives every secret that is unset or still a sample placeholder
// (`<…>`, public in the repository and refused by the app) a random value, and sets the local defaults (the sandbox
// providers for email and LINE: messages are rendered into the outbox, nothing is sent). Values already set are kept,
// so a restart keeps the operator key and the webhook secrets the carts were given. Prints the operator key.
// Usage: node scripts/lib/local-settings.mjs [local.settings.json] [local.settings.sample.json]
import crypto from 'node:crypto';
import fs from 'node:fs';

const [file = 'local.settings.json', sample = 'local.settings.sample.json'] = process.argv.slice(2);

// Each secret the app reads locally, and how it is generated (the app treats every one alike: docs/SECURITY.md).
const secrets = {
  Kozuchi__Auth__OperatorKey: () => crypto.randomBytes(18).toString('base64url'),
  Kozuchi__Webhooks__ShopifySecret: () => crypto.randomBytes(32).toString('hex'),
  Kozuchi__Webhooks__OrderSecret: () => crypto.randomBytes(32).toString('base64url'),
  Kozuchi__Unsubscribe__SigningKey: () => crypto.randomBytes(32).toString('base64'),
  Kozuchi__EventGrid__Key: () => crypto.randomBytes(24).toString('base64url'),
};

// Local defaults that are no secrets, set only when missing.
const defaults = {
  Kozuchi__Unsubscribe__BaseUrl: 'http://127.0.0.1:7071',
  Kozuchi__Channels__Email__Provider: 'Sandbox',
  Kozuchi__Channels__Line__Provider: 'Sandbox',
};

const isUnset = (value) => typeof value !== 'string' || value.trim() === '' || /^<.*>$/.test(value.trim());

if (!fs.existsSync(file)) {
  fs.copyFileSync(sample, file);
}

const settings = JSON.parse(fs.readFileSync(file, 'utf8'));
const values = (settings.Values = settings.Values || {});
let changed = false;
for (const [name, generate] of Object.entries(secrets)) {
  if (isUnset(values[name])) {
    values[name] = generate();
    changed = true;
  }
}

for (const [name, value] of Object.entries(defaults)) {
  if (isUnset(values[name])) {
    values[name] = value;
    changed = true;
  }
}

if (changed) {
  fs.writeFileSync(file, JSON.stringify(settings, null, 2) + '\n');
}

process.stdout.write(values.Kozuchi__Auth__OperatorKey);
