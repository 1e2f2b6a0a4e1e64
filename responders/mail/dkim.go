package mail

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"frontdesk/fault"

	"github.com/emersion/go-msgauth/dkim"
)

// dkimHeaders are the fields a DKIM signature covers. Fields absent from a
// message are still listed, so that adding one later breaks the signature
// (RFC 6376 §5.4).
var dkimHeaders = []string{
	"From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To",
	"References", "MIME-Version", "Content-Type",
}

// DKIM signs outgoing mail as Domain with the key published at
// Selector._domainkey.Domain (RFC 6376). A nil *DKIM, or one without a Key,
// signs nothing.
type DKIM struct {
	Domain, Selector string
	Key              crypto.Signer
}

// Sign returns raw with a DKIM-Signature header field prepended, using
// relaxed/relaxed canonicalization. Without a configured key it returns raw
// unchanged.
func (d *DKIM) Sign(raw []byte) ([]byte, error) {
	if d == nil || d.Key == nil {
		return raw, nil
	}
	var out bytes.Buffer
	out.Grow(len(raw) + 1024)
	err := dkim.Sign(&out, bytes.NewReader(raw), &dkim.SignOptions{
		Domain:                 d.Domain,
		Selector:               d.Selector,
		Signer:                 d.Key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             dkimHeaders,
	})
	if err != nil {
		return nil, fmt.Errorf("dkim sign for %s: %w", d.Domain, err)
	}
	return out.Bytes(), nil
}

// LoadDKIMKey parses a PEM private key: RSA in PKCS#1 ("RSA PRIVATE KEY") or
// PKCS#8 ("PRIVATE KEY"), or Ed25519 in PKCS#8 (RFC 8463). RSA keys shorter
// than 1024 bits are refused (RFC 8301 §3.2). Errors wrap fault.ErrInvalid.
func LoadDKIMKey(pemBytes []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, fmt.Errorf("dkim key: no PEM block: %w", fault.ErrInvalid)
	}
	var key any
	var err error
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("dkim key: PEM type %q: %w", block.Type, fault.ErrInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("dkim key: %w: %w", fault.ErrInvalid, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 1024 {
			return nil, fmt.Errorf("dkim key: RSA key of %d bits, want at least 1024: %w", k.N.BitLen(), fault.ErrInvalid)
		}
		return k, nil
	case ed25519.PrivateKey:
		return k, nil
	default:
		return nil, fmt.Errorf("dkim key: unsupported key type %T: %w", key, fault.ErrInvalid)
	}
}
