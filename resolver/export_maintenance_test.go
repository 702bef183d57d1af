package resolver

import "time"

// BypassValue is the bypass cookie's value for secret expiring at
// expires, before URL encoding (as PHP's base64_encode(json_encode)).
func BypassValue(secret string, expires time.Time) string { return bypassValue(secret, expires) }
