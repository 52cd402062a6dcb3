import { randomInt } from "node:crypto";

// Space prefixes like the seed's `acorn-bear`: two short words, random, so repeated demos never collide.
const FIRST = [
  "acorn",
  "amber",
  "brisk",
  "cedar",
  "cobalt",
  "dusky",
  "ember",
  "fern",
  "granite",
  "hazel",
  "indigo",
  "juniper",
  "maple",
  "misty",
  "olive",
  "quartz",
  "rusty",
  "sage",
  "tidal",
  "willow",
];
const SECOND = [
  "bear",
  "otter",
  "heron",
  "lynx",
  "badger",
  "falcon",
  "marten",
  "owl",
  "puffin",
  "raven",
  "seal",
  "stoat",
  "swift",
  "tern",
  "vole",
  "wren",
  "yak",
  "ibex",
  "koala",
  "moose",
];

export function randomPrefix(): string {
  return `${FIRST[randomInt(FIRST.length)]}-${SECOND[randomInt(SECOND.length)]}`;
}
