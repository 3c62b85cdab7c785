/**
 * The device family of a user agent: browser and OS names without versions, so a browser update
 * keeps a trusted device trusted while a cookie copied into another browser or OS does not match.
 */
export function uaFamily(userAgent: string | null | undefined): string {
  const ua = userAgent ?? '';
  const browser =
    /\bEdg(e|A|iOS)?\//.test(ua) ? 'Edge'
    : /\bOPR\/|\bOpera\b/.test(ua) ? 'Opera'
    : /\bFirefox\/|\bFxiOS\//.test(ua) ? 'Firefox'
    : /\bChrome\/|\bCriOS\/|\bChromium\//.test(ua) ? 'Chrome'
    : /\bSafari\//.test(ua) ? 'Safari'
    : /^([\w.-]+)\//.exec(ua)?.[1] ?? 'Unknown';
  const os =
    /\bWindows\b/.test(ua) ? 'Windows'
    : /\bAndroid\b/.test(ua) ? 'Android'
    : /\b(iPhone|iPad|iPod)\b/.test(ua) ? 'iOS'
    : /\bMac OS X\b|\bMacintosh\b/.test(ua) ? 'macOS'
    : /\bCrOS\b/.test(ua) ? 'ChromeOS'
    : /\bLinux\b/.test(ua) ? 'Linux'
    : 'Unknown';
  return `${browser} on ${os}`;
}
