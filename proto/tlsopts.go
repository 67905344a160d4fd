package proto

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"

	"github.com/smtprepl/smtprepl/proto/visible"
)

// tlsVersions are the versions --tls-min and --tls-max name.
var tlsVersions = []struct {
	name string
	id   uint16
}{
	{"1.0", tls.VersionTLS10}, {"1.1", tls.VersionTLS11}, {"1.2", tls.VersionTLS12}, {"1.3", tls.VersionTLS13},
}

// ParseTLSVersion reads "1.0" to "1.3".
func ParseTLSVersion(s string) (uint16, error) {
	for _, v := range tlsVersions {
		if s == v.name {
			return v.id, nil
		}
	}
	return 0, fmt.Errorf("%s is not a TLS version: use 1.0, 1.1, 1.2 or 1.3", clipArg(s))
}

// TLS12CipherNames are the TLS 1.2 (and older) suites a client may ask
// for, by their IANA names as Go knows them; TLS 1.3's are not
// configurable.
func TLS12CipherNames() []string {
	var names []string
	for _, cs := range slices.Concat(tls.CipherSuites(), tls.InsecureCipherSuites()) {
		if slices.Contains(cs.SupportedVersions, tls.VersionTLS12) || slices.Contains(cs.SupportedVersions, tls.VersionTLS10) {
			names = append(names, cs.Name)
		}
	}
	return names
}

// ParseCipherSuites reads a comma-separated list of TLS 1.2 suite names;
// an unknown name is an error that lists the known ones.
func ParseCipherSuites(list string) ([]uint16, error) {
	byName := map[string]uint16{}
	for _, cs := range slices.Concat(tls.CipherSuites(), tls.InsecureCipherSuites()) {
		if !slices.Contains(cs.SupportedVersions, tls.VersionTLS13) {
			byName[cs.Name] = cs.ID
		}
	}
	var ids []uint16
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		id, ok := byName[name]
		if !ok {
			return nil, fmt.Errorf("%s is not a TLS 1.2 cipher suite; known: %s", clipArg(name), strings.Join(TLS12CipherNames(), ", "))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// clipArg bounds and escapes what the user typed for an error message.
func clipArg(s string) string { return `"` + visible.Clip(s, 100) + `"` }
