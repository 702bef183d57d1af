package resolver

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tenancy-dev/tenancy/tenants"
)

// BypassCookie is Laravel's maintenance bypass cookie
// (Illuminate\Foundation\Http\MaintenanceModeBypassCookie): base64 of
// {"expires_at": unix, "mac": hex HMAC-SHA256 of expires_at keyed by the
// secret}, valid 12 hours. The same format means a cookie either side set
// lets the browser through the other.
const BypassCookie = "laravel_maintenance"

// bypassFor is how long a bypass cookie lets a browser in.
const bypassFor = 12 * time.Hour

// answerMaintenance answers a request to a tenant in maintenance mode, in
// the order of Laravel's PreventRequestsDuringMaintenance and stancl's
// CheckTenantForMaintenanceMode: an allowed IP passes (the time form);
// /SECRET sets the bypass cookie and redirects to /; a valid cookie or an
// except path passes; a redirect target is redirected to; anything else
// gets the status (503) with Retry-After and Refresh. It returns false
// when the request should be served.
func answerMaintenance(w http.ResponseWriter, req *http.Request, m tenants.Maintenance, opts MiddlewareOptions) bool {
	if len(m.Allowed) > 0 && m.Allows(opts.ClientIP(req)) {
		return false
	}
	path := laravelPath(req)
	now := opts.Now()
	if m.Secret != "" {
		if path == m.Secret {
			http.SetCookie(w, &http.Cookie{
				Name: BypassCookie, Value: url.QueryEscape(bypassValue(m.Secret, now.Add(bypassFor))),
				Path: "/", Expires: now.Add(bypassFor), HttpOnly: true, Secure: req.TLS != nil, SameSite: http.SameSiteLaxMode,
			})
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, req, "/", http.StatusFound)
			return true
		}
		if c, err := req.Cookie(BypassCookie); err == nil && validBypass(c.Value, m.Secret, now) {
			return false
		}
	}
	if inExcept(path, m.Except) {
		return false
	}
	if m.Redirect != "" {
		target := m.Redirect
		if target != "/" {
			target = strings.Trim(target, "/")
		}
		if path != target {
			if !strings.HasPrefix(target, "/") && !strings.Contains(target, "://") {
				target = "/" + target
			}
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, req, target, http.StatusFound)
			return true
		}
	}
	if m.Retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(m.Retry))
	}
	if m.Refresh > 0 {
		w.Header().Set("Refresh", strconv.Itoa(m.Refresh))
	}
	switch {
	case m.Template != "":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(m.HTTPStatus())
		_, _ = w.Write([]byte(m.Template))
	case m.Message != "":
		writeBody(w, m.HTTPStatus(), m.Message+"\n")
	default:
		writeBody(w, m.HTTPStatus(), opts.MaintenanceBody)
	}
	return true
}

// laravelPath is Laravel's $request->path(): the path without its
// surrounding slashes, or "/" for the root.
func laravelPath(req *http.Request) string {
	if p := strings.Trim(req.URL.Path, "/"); p != "" {
		return p
	}
	return "/"
}

// inExcept is Laravel's ExcludesPaths: each entry, slashes trimmed unless
// it is "/", matched against the path with * as a wildcard (Str::is).
func inExcept(path string, except []string) bool {
	for _, e := range except {
		if e != "/" {
			e = strings.Trim(e, "/")
		}
		if e == "" {
			continue
		}
		if e == path {
			return true
		}
		if strings.Contains(e, "*") {
			re := "^" + strings.ReplaceAll(regexp.QuoteMeta(e), `\*`, ".*") + "$"
			if ok, _ := regexp.MatchString(re, path); ok {
				return true
			}
		}
	}
	return false
}

func bypassMAC(expires int64, secret string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(strconv.FormatInt(expires, 10)))
	return hex.EncodeToString(h.Sum(nil))
}

// bypassValue is the cookie's value before URL encoding (PHP's
// base64_encode(json_encode([...]))).
func bypassValue(secret string, expires time.Time) string {
	ts := expires.Unix()
	payload := `{"expires_at":` + strconv.FormatInt(ts, 10) + `,"mac":"` + bypassMAC(ts, secret) + `"}`
	return base64.StdEncoding.EncodeToString([]byte(payload))
}

// validBypass is MaintenanceModeBypassCookie::isValid: a MAC made with the
// secret over an expiry that has not passed. PHP sends the value
// URL-encoded (%2B, %3D); "+" is never a space here.
func validBypass(value, secret string, now time.Time) bool {
	if strings.Contains(value, "%") {
		v, err := url.PathUnescape(value)
		if err != nil {
			return false
		}
		value = v
	}
	raw, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return false
	}
	var p struct {
		ExpiresAt json.Number `json:"expires_at"`
		MAC       string      `json:"mac"`
	}
	if json.Unmarshal(raw, &p) != nil || p.MAC == "" {
		return false
	}
	ts, err := strconv.ParseInt(p.ExpiresAt.String(), 10, 64)
	if err != nil {
		return false
	}
	return hmac.Equal([]byte(bypassMAC(ts, secret)), []byte(p.MAC)) && ts >= now.Unix()
}

// remoteIP is the host of RemoteAddr.
func remoteIP(req *http.Request) string {
	if host, _, err := net.SplitHostPort(req.RemoteAddr); err == nil {
		return host
	}
	return req.RemoteAddr
}
