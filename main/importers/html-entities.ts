/**
 * The named character references that chat exports written as HTML (Teams' Graph messages) use,
 * decoded to their characters. Graph writes typography and symbols by name (`&ndash;`, `&rsquo;`,
 * `&micro;`), so a dose "250&micro;g" must read "250µg", never the code. Names are case-sensitive
 * as in HTML (`&Eacute;` is not `&eacute;`); the six XML-era names are also read in capitals.
 * A name not listed here is left as written, so nothing is silently guessed.
 */
const CODE_POINTS: Readonly<Record<string, number>> = {
  // Markup and spaces
  amp: 0x26, lt: 0x3c, gt: 0x3e, quot: 0x22, apos: 0x27, nbsp: 0xa0, ensp: 0x2002, emsp: 0x2003, thinsp: 0x2009,
  zwnj: 0x200c, zwj: 0x200d, lrm: 0x200e, rlm: 0x200f, shy: 0xad,
  // Punctuation and typography
  ndash: 0x2013, mdash: 0x2014, hellip: 0x2026, lsquo: 0x2018, rsquo: 0x2019, sbquo: 0x201a, ldquo: 0x201c, rdquo: 0x201d,
  bdquo: 0x201e, laquo: 0xab, raquo: 0xbb, lsaquo: 0x2039, rsaquo: 0x203a, bull: 0x2022, middot: 0xb7, prime: 0x2032,
  Prime: 0x2033, iexcl: 0xa1, iquest: 0xbf, dagger: 0x2020, Dagger: 0x2021, permil: 0x2030, brvbar: 0xa6, uml: 0xa8,
  macr: 0xaf, acute: 0xb4, cedil: 0xb8, ordf: 0xaa, ordm: 0xba, not: 0xac, oline: 0x203e, frasl: 0x2044,
  // Units, currency and maths (doses and observations are written with these)
  micro: 0xb5, deg: 0xb0, plusmn: 0xb1, times: 0xd7, divide: 0xf7, minus: 0x2212, le: 0x2264, ge: 0x2265, ne: 0x2260,
  asymp: 0x2248, equiv: 0x2261, infin: 0x221e, sum: 0x2211, radic: 0x221a, prop: 0x221d, sup1: 0xb9, sup2: 0xb2,
  sup3: 0xb3, frac14: 0xbc, frac12: 0xbd, frac34: 0xbe, percnt: 0x25, euro: 0x20ac, pound: 0xa3, cent: 0xa2, yen: 0xa5,
  curren: 0xa4, copy: 0xa9, reg: 0xae, trade: 0x2122, sect: 0xa7, para: 0xb6, larr: 0x2190, uarr: 0x2191, rarr: 0x2192,
  darr: 0x2193, harr: 0x2194, lArr: 0x21d0, rArr: 0x21d2, hArr: 0x21d4, check: 0x2713, cross: 0x2717,
  // Greek (alpha-blockers, beta-lactams, micro as mu)
  Alpha: 0x391, Beta: 0x392, Gamma: 0x393, Delta: 0x394, Omega: 0x3a9, Sigma: 0x3a3, alpha: 0x3b1, beta: 0x3b2,
  gamma: 0x3b3, delta: 0x3b4, epsilon: 0x3b5, theta: 0x3b8, kappa: 0x3ba, lambda: 0x3bb, mu: 0x3bc, pi: 0x3c0,
  rho: 0x3c1, sigma: 0x3c3, tau: 0x3c4, phi: 0x3c6, chi: 0x3c7, psi: 0x3c8, omega: 0x3c9,
  // Latin-1 letters (names of people and places)
  Agrave: 0xc0, Aacute: 0xc1, Acirc: 0xc2, Atilde: 0xc3, Auml: 0xc4, Aring: 0xc5, AElig: 0xc6, Ccedil: 0xc7,
  Egrave: 0xc8, Eacute: 0xc9, Ecirc: 0xca, Euml: 0xcb, Igrave: 0xcc, Iacute: 0xcd, Icirc: 0xce, Iuml: 0xcf,
  ETH: 0xd0, Ntilde: 0xd1, Ograve: 0xd2, Oacute: 0xd3, Ocirc: 0xd4, Otilde: 0xd5, Ouml: 0xd6, Oslash: 0xd8,
  Ugrave: 0xd9, Uacute: 0xda, Ucirc: 0xdb, Uuml: 0xdc, Yacute: 0xdd, THORN: 0xde, szlig: 0xdf, agrave: 0xe0,
  aacute: 0xe1, acirc: 0xe2, atilde: 0xe3, auml: 0xe4, aring: 0xe5, aelig: 0xe6, ccedil: 0xe7, egrave: 0xe8,
  eacute: 0xe9, ecirc: 0xea, euml: 0xeb, igrave: 0xec, iacute: 0xed, icirc: 0xee, iuml: 0xef, eth: 0xf0,
  ntilde: 0xf1, ograve: 0xf2, oacute: 0xf3, ocirc: 0xf4, otilde: 0xf5, ouml: 0xf6, oslash: 0xf8, ugrave: 0xf9,
  uacute: 0xfa, ucirc: 0xfb, uuml: 0xfc, yacute: 0xfd, thorn: 0xfe, yuml: 0xff, OElig: 0x152, oelig: 0x153,
  Scaron: 0x160, scaron: 0x161, Yuml: 0x178, Zcaron: 0x17d, zcaron: 0x17e, fnof: 0x192, circ: 0x2c6, tilde: 0x2dc,
};

/** The XML-era names, which HTML also reads in capitals (`&AMP;`). */
const CASE_FREE = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);

/** The character a named reference stands for, or undefined for a name not listed. */
export function namedCharacter(name: string): string | undefined {
  const code = Object.hasOwn(CODE_POINTS, name) ? CODE_POINTS[name] : CASE_FREE.has(name.toLowerCase()) ? CODE_POINTS[name.toLowerCase()] : undefined;
  return code === undefined ? undefined : String.fromCodePoint(code);
}
