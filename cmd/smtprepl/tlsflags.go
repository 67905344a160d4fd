package main

import (
	"crypto/tls"
	"flag"

	"github.com/smtprepl/smtprepl/proto"
	"github.com/smtprepl/smtprepl/proto/visible"
)

// tlsFlags are the TLS knobs: versions, TLS 1.2 suites, SNI and a client
// certificate.
type tlsFlags struct {
	min, max, ciphers string
	sni               string
	sniSet            bool
	cert, key         string
	// parsed by validate
	opts proto.TLSOptions
}

func (t *tlsFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.min, "tls-min", "", "lowest TLS version to offer: 1.0, 1.1, 1.2 or 1.3 (default 1.0)")
	fs.StringVar(&t.max, "tls-max", "", "highest TLS version to offer: 1.0, 1.1, 1.2 or 1.3 (default 1.3)")
	fs.StringVar(&t.ciphers, "tls-ciphers", "", "TLS 1.2 cipher suites to offer, comma-separated IANA names (TLS 1.3 has its own: add --tls-max 1.2)")
	fs.Func("sni", "server name to send in the handshake and check the certificate against; '' sends none", func(s string) error {
		t.sni, t.sniSet = s, true
		return nil
	})
	fs.StringVar(&t.cert, "tls-cert", "", "client certificate (PEM) to present when the server asks")
	fs.StringVar(&t.key, "tls-key", "", "private key (PEM) of --tls-cert")
}

func (t *tlsFlags) validate() error {
	var err error
	o := &t.opts
	if t.min != "" {
		if o.MinVersion, err = proto.ParseTLSVersion(t.min); err != nil {
			return usagef("--tls-min: %v", err)
		}
	}
	if t.max != "" {
		if o.MaxVersion, err = proto.ParseTLSVersion(t.max); err != nil {
			return usagef("--tls-max: %v", err)
		}
	}
	if o.MinVersion != 0 && o.MaxVersion != 0 && o.MinVersion > o.MaxVersion {
		return usagef("--tls-min %s is above --tls-max %s", t.min, t.max)
	}
	if t.ciphers != "" {
		if o.CipherSuites, err = proto.ParseCipherSuites(t.ciphers); err != nil {
			return usagef("--tls-ciphers: %v", err)
		}
	}
	if t.sniSet {
		o.ServerName, o.NoSNI = t.sni, t.sni == ""
	}
	return t.loadCert()
}

func (t *tlsFlags) loadCert() error {
	if (t.cert == "") != (t.key == "") {
		return usagef("--tls-cert and --tls-key go together: the certificate and its private key")
	}
	if t.cert == "" {
		return nil
	}
	cert, err := tls.LoadX509KeyPair(t.cert, t.key)
	if err != nil {
		// The error names the files, never their contents.
		return usagef("--tls-cert %s / --tls-key %s: %s", visible.Clip(t.cert, 200), visible.Clip(t.key, 200), visible.Clip(err.Error(), 300))
	}
	t.opts.ClientCert = &cert
	return nil
}

// apply copies the knobs into the trust options the rest of the flags set.
func (t *tlsFlags) apply(o *proto.TLSOptions) {
	o.MinVersion, o.MaxVersion, o.CipherSuites = t.opts.MinVersion, t.opts.MaxVersion, t.opts.CipherSuites
	o.NoSNI, o.ClientCert = t.opts.NoSNI, t.opts.ClientCert
	if t.opts.ServerName != "" {
		o.ServerName = t.opts.ServerName
	}
}
