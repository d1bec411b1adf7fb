package send

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ParseURL reads the --smtp flag:
//
//	smtp://[user[:password]@]host[:port][?tls=none|opportunistic|mandatory][&conns=N][&helo=NAME]
//	smtps://[user[:password]@]host[:port][?conns=N][&helo=NAME]
//
// smtp:// defaults to port 25 and STARTTLS when the server offers it;
// smtps:// to port 465 and TLS from the first byte. User name and password
// are percent-decoded, so "@", ":" and "/" in them must be written %40,
// %3A and %2F. The rate and retry settings are not part of the URL; the
// caller sets them from its own flags.
func ParseURL(raw string) (Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the whole URL, password included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return Config{}, fmt.Errorf("smtp URL: %w", err)
	}
	var cfg Config
	switch strings.ToLower(u.Scheme) {
	case "smtp":
	case "smtps":
		cfg.TLS = TLSImplicit
	default:
		return Config{}, fmt.Errorf("smtp URL %q: scheme %q, want smtp or smtps", u.Redacted(), u.Scheme)
	}
	if u.Opaque != "" || (u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return Config{}, fmt.Errorf("smtp URL %q: want smtp://host:port, nothing after the port but ?options", u.Redacted())
	}
	if cfg.Host = u.Hostname(); cfg.Host == "" {
		return Config{}, fmt.Errorf("smtp URL %q: no host", u.Redacted())
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Config{}, fmt.Errorf("smtp URL %q: port %q out of range", u.Redacted(), p)
		}
		cfg.Port = n
	}
	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
	}
	query := u.Query()
	for _, key := range slices.Sorted(maps.Keys(query)) {
		vals := query[key]
		if len(vals) != 1 {
			return Config{}, fmt.Errorf("smtp URL: option %q given %d times", key, len(vals))
		}
		v := vals[0]
		switch key {
		case "tls":
			if cfg.TLS == TLSImplicit {
				return Config{}, fmt.Errorf("smtp URL: tls=%s with smtps://, which is always TLS", v)
			}
			switch v {
			case "none":
				cfg.TLS = TLSNone
			case "opportunistic":
				cfg.TLS = TLSOpportunistic
			case "mandatory":
				cfg.TLS = TLSMandatory
			default:
				return Config{}, fmt.Errorf("smtp URL: tls=%q, want none, opportunistic or mandatory", v)
			}
		case "conns":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100 {
				return Config{}, fmt.Errorf("smtp URL: conns=%q, want 1 to 100", v)
			}
			cfg.Conns = n
		case "helo":
			if v == "" || strings.ContainsAny(v, " \t\r\n") {
				return Config{}, fmt.Errorf("smtp URL: helo=%q, want a host name", v)
			}
			cfg.Helo = v
		case "datatimeout":
			d, err := time.ParseDuration(v)
			if err != nil || d < time.Second {
				return Config{}, fmt.Errorf("smtp URL: datatimeout=%q, want a duration of 1s or more, such as 10m", v)
			}
			cfg.DataTimeout = d
		default:
			return Config{}, fmt.Errorf("smtp URL: unknown option %q (known: tls, conns, helo, datatimeout)", key)
		}
	}
	return cfg, nil
}
