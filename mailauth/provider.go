package mailauth

import (
	"net/url"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/endpoints"

	"frontdesk/config"
)

// Scopes of the provider presets: what IMAP and SMTP sign-in need, and a
// refresh token (Microsoft's offline_access; Google's comes with
// access_type=offline).
var (
	GoogleScopes    = []string{"https://mail.google.com/"}
	MicrosoftScopes = []string{
		"https://outlook.office.com/IMAP.AccessAsUser.All",
		"https://outlook.office.com/SMTP.Send",
		"offline_access",
	}
)

// oauthConfig is the golang.org/x/oauth2 configuration of o: the provider's
// endpoints (the same as oauth2/google.Endpoint and
// oauth2/microsoft.AzureADEndpoint, without their dependencies) and scopes,
// unless o names its own.
func oauthConfig(o config.OAuth2, redirectURL string) *oauth2.Config {
	c := &oauth2.Config{ClientID: o.ClientID, ClientSecret: o.ClientSecret, RedirectURL: redirectURL, Scopes: o.Scopes}
	var scopes []string
	switch o.Provider {
	case "google":
		c.Endpoint, scopes = endpoints.Google, GoogleScopes
	case "microsoft":
		c.Endpoint, scopes = endpoints.AzureAD(o.Tenant), MicrosoftScopes
	default:
		c.Endpoint = oauth2.Endpoint{AuthURL: o.AuthURL, TokenURL: o.TokenURL}
	}
	if len(c.Scopes) == 0 {
		c.Scopes = scopes
	}
	return c
}

// authCodeOptions are the provider's extra parameters of the authorization
// request: who should sign in, and for Google a refresh token every time
// (it sends one only on a consent, and prompt=consent asks for one).
func authCodeOptions(o config.OAuth2, username string) []oauth2.AuthCodeOption {
	opts := []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("login_hint", username)}
	if o.Provider == "google" {
		opts = append(opts, oauth2.AccessTypeOffline, oauth2.ApprovalForce)
	}
	return opts
}

// providerName is how people know the provider: "Microsoft", "Google", or
// the custom authorization server's host.
func providerName(o config.OAuth2) string {
	switch o.Provider {
	case "google":
		return "Google"
	case "microsoft":
		return "Microsoft"
	}
	if u, err := url.Parse(o.AuthURL); err == nil && u.Host != "" {
		return u.Host
	}
	return "the provider"
}
