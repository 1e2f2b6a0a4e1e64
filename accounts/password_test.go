package accounts

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h := hashPassword(defaultParams, "correct horse")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=32768,t=2,p=2$") {
		t.Fatalf("hash %q is not PHC argon2id with the default parameters", h)
	}
	if h2 := hashPassword(defaultParams, "correct horse"); h2 == h {
		t.Error("two hashes of one password are equal: no salt?")
	}
	if ok, stale := verifyPassword(h, "correct horse", defaultParams); !ok || stale {
		t.Errorf("verify right password = %v, stale %v", ok, stale)
	}
	if ok, _ := verifyPassword(h, "correct horsf", defaultParams); ok {
		t.Error("a wrong password verifies")
	}
	if _, stale := verifyPassword(h, "correct horse", testParams); !stale {
		t.Error("other parameters are not stale")
	}
	p, salt, key, err := parseHash(h)
	if err != nil || p != defaultParams || len(salt) != 16 || len(key) != 32 {
		t.Errorf("parseHash = %+v, %d, %d, %v", p, len(salt), len(key), err)
	}
}

func TestParseHashRefusesBadHashes(t *testing.T) {
	good := hashPassword(testParams, "correct horse")
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":          "",
		"bcrypt":         "$2a$12$abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234",
		"argon2i":        strings.Replace(good, "argon2id", "argon2i", 1),
		"version 16":     strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":    strings.Join([]string{"", "argon2id", "v=19", "m=4194304,t=1,p=1", parts[4], parts[5]}, "$"),
		"zero time":      strings.Join([]string{"", "argon2id", "v=19", "m=64,t=0,p=1", parts[4], parts[5]}, "$"),
		"bad salt":       strings.Join([]string{"", "argon2id", "v=19", parts[3], "!!!", parts[5]}, "$"),
		"short key":      strings.Join([]string{"", "argon2id", "v=19", parts[3], parts[4], "AAAA"}, "$"),
		"missing fields": "$argon2id$v=19$m=64,t=1,p=1$" + parts[4],
	} {
		if _, _, _, err := parseHash(h); err == nil {
			t.Errorf("%s: parseHash(%q) accepted it", name, h)
		}
		if ok, _ := verifyPassword(h, "correct horse", testParams); ok {
			t.Errorf("%s: verifies", name)
		}
	}
}
