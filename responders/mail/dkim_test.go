package mail

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"testing"

	"frontdesk/fault"

	"github.com/emersion/go-msgauth/dkim"
)

// dkimRecord returns the TXT record publishing the public half of key.
func dkimRecord(t *testing.T, key crypto.Signer) string {
	t.Helper()
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der)
	case ed25519.PublicKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	}
	t.Fatalf("key type %T", key)
	return ""
}

func TestDKIMSignVerify(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]crypto.Signer{"rsa": rsaKey, "ed25519": edKey} {
		t.Run(name, func(t *testing.T) {
			d := &DKIM{Domain: "example.com", Selector: "desk", Key: key}
			raw, err := Build(sampleMessage())
			if err != nil {
				t.Fatal(err)
			}
			signed, err := d.Sign(raw)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(signed, []byte("DKIM-Signature:")) || !bytes.HasSuffix(signed, raw) {
				t.Fatalf("signed message:\n%s", signed[:min(len(signed), 600)])
			}
			lookups := 0
			opts := &dkim.VerifyOptions{LookupTXT: func(domain string) ([]string, error) {
				lookups++
				if domain != "desk._domainkey.example.com" {
					return nil, fmt.Errorf("no TXT at %s", domain)
				}
				return []string{dkimRecord(t, key)}, nil
			}}
			vs, err := dkim.VerifyWithOptions(bytes.NewReader(signed), opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "example.com" || lookups != 1 {
				t.Fatalf("verifications = %+v (lookups %d)", vs, lookups)
			}
			keys := strings.ToLower(strings.Join(vs[0].HeaderKeys, ":"))
			for _, h := range dkimHeaders {
				if !strings.Contains(keys, strings.ToLower(h)) {
					t.Errorf("%s not signed: %s", h, keys)
				}
			}

			// A changed subject breaks the signature.
			tampered := bytes.Replace(signed, []byte("Subject: "), []byte("Subject: FW "), 1)
			vs, err = dkim.VerifyWithOptions(bytes.NewReader(tampered), opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(vs) != 1 || vs[0].Err == nil {
				t.Fatal("tampered message verifies")
			}
		})
	}
}

func TestDKIMUnconfigured(t *testing.T) {
	raw := []byte("From: a@example.com\r\n\r\nhi\r\n")
	for _, d := range []*DKIM{nil, {Domain: "example.com"}} {
		out, err := d.Sign(raw)
		if err != nil || !bytes.Equal(out, raw) {
			t.Errorf("Sign without a key = %q, %v", out, err)
		}
	}
}

func TestLoadDKIMKey(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8 := func(k any) []byte {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})

	for _, tc := range []struct {
		name string
		pem  []byte
		ok   bool
	}{
		{"pkcs1 rsa", pkcs1, true},
		{"pkcs8 rsa", pkcs8(rsaKey), true},
		{"pkcs8 ed25519", pkcs8(edKey), true},
		{"pkcs8 ecdsa", pkcs8(ecKey), false},
		{"not pem", []byte("hello"), false},
		{"certificate", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1}}), false},
		{"garbage der", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, err := LoadDKIMKey(tc.pem)
			if tc.ok {
				if err != nil || k == nil {
					t.Fatalf("LoadDKIMKey: %v", err)
				}
				return
			}
			if !errors.Is(err, fault.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
		})
	}
}
