package resolver

import (
	"strings"
	"unicode"
)

// NormalizeHost turns a request's Host into the domain the registry
// stores: lowercase, without a port and without a trailing dot. IPv6
// literals lose their brackets. It does not allocate for a host that is
// already normal.
func NormalizeHost(host string) string {
	host = strings.TrimSpace(host)
	if strings.HasPrefix(host, "[") {
		if end := strings.IndexByte(host, ']'); end > 0 {
			host = host[1:end]
			if strings.Count(host, ":") == 1 {
				return "" // not an IPv6 literal: no tenant's domain
			}
		}
	} else if i := strings.IndexByte(host, ':'); i >= 0 && strings.IndexByte(host[i+1:], ':') < 0 {
		host = host[:i]
	}
	host = strings.TrimLeftFunc(host, unicode.IsSpace)
	host = strings.TrimRightFunc(host, func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
	return strings.ToLower(host)
}
