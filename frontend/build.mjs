// Copies the browser libraries colloquy ships into ../static/vendor, with their licences, so that no page
// loads anything from another host. Run `npm ci && npm run build` here after changing a version; the result
// is committed, so building colloquy itself needs neither Node.js nor the network.
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const modules = join(here, "node_modules");
const vendor = join(here, "..", "static", "vendor");

rmSync(vendor, { recursive: true, force: true });
mkdirSync(vendor, { recursive: true });

const version = (name) => JSON.parse(readFileSync(join(modules, name, "package.json"), "utf8")).version;

copyFileSync(join(modules, "easymde/dist/easymde.min.js"), join(vendor, "easymde.min.js"));
copyFileSync(join(modules, "easymde/dist/easymde.min.css"), join(vendor, "easymde.min.css"));

// Font Awesome 4.7 is the icon set EasyMDE's toolbar names. Only the WOFF2 font is shipped (every browser
// colloquy supports reads it); the server rewrites the url() to the font's fingerprinted address.
const fontAwesome = readFileSync(join(modules, "font-awesome/css/font-awesome.min.css"), "utf8").replace(
  /@font-face\{[^}]*\}/,
  "@font-face{font-family:'FontAwesome';src:url(fontawesome-webfont.woff2) format('woff2');font-weight:normal;font-style:normal;font-display:block}",
);
writeFileSync(join(vendor, "font-awesome.min.css"), fontAwesome);
copyFileSync(join(modules, "font-awesome/fonts/fontawesome-webfont.woff2"), join(vendor, "fontawesome-webfont.woff2"));

const licence = (name, file) => readFileSync(join(modules, name, file), "utf8").trim();
const notices = [
  ["EasyMDE", version("easymde"), "MIT", licence("easymde", "LICENSE")],
  ["CodeMirror (bundled in EasyMDE)", version("codemirror"), "MIT", licence("codemirror", "LICENSE")],
  ["marked (bundled in EasyMDE)", version("marked"), "MIT", licence("marked", "LICENSE.md")],
  ["codemirror-spell-checker (bundled in EasyMDE, not used)", version("codemirror-spell-checker"), "MIT", licence("codemirror-spell-checker", "LICENSE")],
  [
    "Typo.js (bundled in EasyMDE, not used)",
    version("typo-js"),
    "BSD-3-Clause",
    "Typo.js is free software, licensed under the Modified BSD License (https://github.com/cfinke/Typo.js).",
  ],
  [
    "Font Awesome",
    version("font-awesome"),
    "font: SIL OFL 1.1 (http://scripts.sil.org/OFL); CSS: MIT",
    "Font Awesome by Dave Gandy - http://fontawesome.io\nThe Font Awesome font is licensed under the SIL OFL 1.1; its CSS under the MIT License.",
  ],
];
writeFileSync(
  join(vendor, "LICENSES.txt"),
  notices
    .map(([name, v, kind, text]) => `${name} ${v}\nLicence: ${kind}\n\n${text}\n`)
    .join("\n" + "-".repeat(72) + "\n\n"),
);
console.log(`static/vendor: EasyMDE ${version("easymde")}, Font Awesome ${version("font-awesome")}`);
