package config

import (
	"net/url"
	"regexp"

	"frontdesk/internal/secrets"
)

// tenantName is what an Entra tenant may be written as: a domain
// (contoso.onmicrosoft.com), a GUID, or common, organizations, consumers.
var tenantName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$`)

// validateOAuth2 checks the oauth2 block at path of a mailbox or smtp that
// signs in with OAuth2.
func validateOAuth2(c *Config, ps *problems, path string, o OAuth2) {
	switch o.Provider {
	case "":
		ps.add(path+".provider", "required with auth: oauth2 (google, microsoft or custom)")
	case "google", "microsoft":
		if o.AuthURL != "" {
			ps.add(path+".auth_url", "only with provider custom (%s brings its own)", o.Provider)
		}
		if o.TokenURL != "" {
			ps.add(path+".token_url", "only with provider custom (%s brings its own)", o.Provider)
		}
	case "custom":
		if required(ps, path+".auth_url", o.AuthURL) {
			checkEndpoint(ps, path+".auth_url", o.AuthURL)
		}
		if required(ps, path+".token_url", o.TokenURL) {
			checkEndpoint(ps, path+".token_url", o.TokenURL)
		}
	default:
		ps.add(path+".provider", "must be google, microsoft or custom")
	}
	if o.Tenant != "" {
		switch {
		case o.Provider != "microsoft":
			ps.add(path+".tenant", "only with provider microsoft")
		case !tenantName.MatchString(o.Tenant):
			ps.add(path+".tenant", "must be a tenant domain or id, e.g. contoso.onmicrosoft.com")
		}
	}
	required(ps, path+".client_id", o.ClientID)
	for i, s := range o.Scopes {
		if s == "" {
			ps.add(index(path+".scopes", i), "must not be empty")
		}
	}
	if o.Mechanism != "" {
		oneOf(ps, path+".mechanism", o.Mechanism, "auto", "xoauth2", "oauthbearer")
	}
	if o.RefreshToken == "" && c.HTTP.PublicURL == "" {
		// The provider sends the manager back to
		// {public_url}/oauth2/callback: without it there is no way to
		// connect the mailbox.
		ps.add("http.public_url", "required to connect %s in the web UI (or set %s.refresh_token)", path[:len(path)-len(".oauth2")], path)
	}
}

// checkEndpoint reports an OAuth2 endpoint that is not https (or http to a
// loopback address, for tests): the token endpoint is sent the client
// secret and the refresh token.
func checkEndpoint(ps *problems, path, s string) {
	u, err := url.Parse(s)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		ps.add(path, "must be an absolute https:// URL")
	case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
		ps.add(path, "must be https:// (http only to a loopback address)")
	case u.Fragment != "":
		ps.add(path, "must not have a fragment")
	}
}

// validateSecrets checks secrets.key, which is required when anything signs
// in with OAuth2, and secrets.previous_keys.
func validateSecrets(c *Config, ps *problems) {
	s := c.Secrets
	switch {
	case s.Key == "" && c.UsesOAuth2():
		ps.add("secrets.key", "required when a mailbox or smtp uses auth: oauth2: 32 bytes in base64, the same on every instance (openssl rand -base64 32)")
	case s.Key != "":
		if _, err := secrets.ParseKey(s.Key); err != nil {
			ps.add("secrets.key", "invalid: %s", err.Error())
		}
	case len(s.PreviousKeys) > 0:
		ps.add("secrets.key", "required with previous_keys")
	}
	for i, k := range s.PreviousKeys {
		if _, err := secrets.ParseKey(k); err != nil {
			ps.add(index("secrets.previous_keys", i), "invalid: %s", err.Error())
		}
	}
}
