package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// Env names of the secrets that may come from the environment; they win
// over the file. A server's DSN comes from TENANCY_SERVER_<NAME>_DSN, its
// name upper-cased with every other character turned into "_".
const (
	EnvConfig     = "TENANCY_CONFIG"
	EnvCentralDSN = "TENANCY_CENTRAL_DSN"
	EnvRedisURL   = "TENANCY_REDIS_URL"
)

// ServerEnv returns the environment variable that overrides a server's DSN.
func ServerEnv(name string) string {
	return "TENANCY_SERVER_" + nonAlnum.ReplaceAllString(strings.ToUpper(name), "_") + "_DSN"
}

var nonAlnum = regexp.MustCompile(`[^A-Z0-9]`)

// Find returns the configuration file to read: explicit (--config) first,
// then $TENANCY_CONFIG, ./tenancy.toml, $XDG_CONFIG_HOME/tenancy/config.toml
// (else ~/.config/tenancy/config.toml). It returns "" when none exists; an
// explicit file that does not exist is an error.
func Find(explicit string) (string, error) {
	if explicit != "" {
		if _, err := os.Stat(explicit); err != nil {
			return "", fmt.Errorf("config file %s: %w (check the --config path)", explicit, err)
		}
		return explicit, nil
	}
	if env := os.Getenv(EnvConfig); env != "" {
		if _, err := os.Stat(env); err != nil {
			return "", fmt.Errorf("config file %s (from $%s): %w", env, EnvConfig, err)
		}
		return env, nil
	}
	for _, p := range searchPath() {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", nil
}

func searchPath() []string {
	paths := []string{"tenancy.toml"}
	if x := os.Getenv("XDG_CONFIG_HOME"); x != "" {
		paths = append(paths, filepath.Join(x, "tenancy", "config.toml"))
	} else if home, err := os.UserHomeDir(); err == nil {
		paths = append(paths, filepath.Join(home, ".config", "tenancy", "config.toml"))
	}
	return paths
}

// Load finds, reads, overrides from the environment and validates the
// configuration. Every problem is reported at once in an *Error.
func Load(explicit string) (*Config, error) {
	path, err := Find(explicit)
	if err != nil {
		return nil, err
	}
	cfg := Default()
	var p problems
	if path != "" {
		cfg.Path = path
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read config %s: %w", path, err)
		}
		if !decode(string(data), cfg, &p) {
			return cfg, p.err(path) // nothing after a syntax error can be trusted
		}
	}
	applyEnv(cfg)
	cfg.validate(&p)
	return cfg, p.err(path)
}

// Parse reads configuration text (no file search, no environment), for
// tests and for configs written by `tenancy demo`.
func Parse(text string) (*Config, error) {
	cfg := Default()
	var p problems
	if decode(text, cfg, &p) {
		cfg.validate(&p)
	}
	return cfg, p.err("")
}

// decode reads each top-level table on its own so that a wrong type in one
// section does not hide problems in the others. It returns false on a
// syntax error.
func decode(text string, cfg *Config, p *problems) bool {
	var sections map[string]toml.Primitive
	md, err := toml.Decode(text, &sections)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			p.add("(syntax)", "line %d: %s", perr.Position.Line, perr.Message)
		} else {
			p.add("(syntax)", "%v", err)
		}
		return false
	}
	targets := map[string]any{
		"central": &cfg.Central, "tenancy": &cfg.Tenancy, "servers": &cfg.Servers,
		"redis": &cfg.Redis, "ui": &cfg.UI, "backup": &cfg.Backup,
		"cache": &cfg.Cache, "perf": &cfg.Perf,
		"queue": &cfg.Queue, "schedule": &cfg.Schedules,
		"ssh": &cfg.SSH, "access": &cfg.Access, "audit": &cfg.Audit,
	}
	for name, prim := range sections {
		target, ok := targets[name]
		if !ok {
			continue // reported below as undecoded
		}
		decodeFields(md, prim, reflect.ValueOf(target).Elem(), name, p)
	}
	for _, key := range md.Undecoded() {
		if len(key) == 1 {
			if _, known := targets[key[0]]; known {
				continue
			}
		}
		p.add(key.String(), unknownKey)
	}
	return true
}

const unknownKey = "unknown key (see config.example.toml for every key)"

// decodeFields decodes a table key by key into a struct, so one key of the
// wrong type is reported without hiding (or calling unknown) the keys
// after it; a key with no field is reported as unknown.
func decodeFields(md toml.MetaData, prim toml.Primitive, target reflect.Value, path string, p *problems) {
	if target.Kind() != reflect.Struct {
		if err := md.PrimitiveDecode(prim, target.Addr().Interface()); err != nil {
			_, msg := typeProblem(path, err)
			p.add(path, "%s", msg)
		}
		return
	}
	var table map[string]toml.Primitive
	if err := md.PrimitiveDecode(prim, &table); err != nil {
		p.add(path, "must be a table ([%s])", path)
		return
	}
	fields := map[string]reflect.Value{}
	for i := 0; i < target.NumField(); i++ {
		if tag := strings.Split(target.Type().Field(i).Tag.Get("toml"), ",")[0]; tag != "" && tag != "-" {
			fields[tag] = target.Field(i)
		}
	}
	for key, sub := range table {
		if field, ok := fields[key]; ok {
			decodeFields(md, sub, field, path+"."+key, p)
		} else {
			p.add(path+"."+key, "%s", unknownKey+suggest(key, fields))
		}
	}
}

var lastKey = regexp.MustCompile(`^(?:toml: )?line (\d+) \(last key "([^"]+)"\): (?:incompatible types: )?(.*)$`)

// typeProblem names a decoding error by the key it is about.
func typeProblem(section string, err error) (key, msg string) {
	m := lastKey.FindStringSubmatch(err.Error())
	if m == nil {
		return section, strings.TrimPrefix(err.Error(), "toml: ")
	}
	return m[2], fmt.Sprintf("wrong type on line %s: %s", m[1], strings.ReplaceAll(m[3], "destination has type", "tenancy expects"))
}

func applyEnv(cfg *Config) {
	if v := os.Getenv(EnvCentralDSN); v != "" {
		cfg.Central.DSN = v
	}
	if v := os.Getenv(EnvRedisURL); v != "" {
		cfg.Redis.URL = v
	}
	if v := os.Getenv(EnvQueueURL); v != "" {
		cfg.Queue.URL = v
	}
	for i := range cfg.Servers {
		if v := os.Getenv(ServerEnv(cfg.Servers[i].Name)); v != "" {
			cfg.Servers[i].DSN = v
		}
	}
}

// suggest names the known key closest to a misspelt one, if any is close.
func suggest(key string, fields map[string]reflect.Value) string {
	best, bestDist := "", 3 // more than two edits away is no suggestion
	for name := range fields {
		if d := editDistance(key, name); d < bestDist || (d == bestDist && name < best) {
			best, bestDist = name, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
