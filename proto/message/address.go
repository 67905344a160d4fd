package message

import (
	"fmt"
	"net/mail"
	"strings"
)

// parseAddresses reads a comma-separated address list as a person would
// type it after "To:".
func parseAddresses(field, list string) ([]*mail.Address, error) {
	addrs, err := mail.ParseAddressList(list)
	if err != nil {
		return nil, fmt.Errorf("message: %s: %w", field, err)
	}
	for _, a := range addrs {
		if hasNonASCII(a.Address) {
			return nil, fmt.Errorf("message: %s: address %q is not ASCII; that needs SMTPUTF8 (RFC 6531), which this builder does not do", field, a.Address)
		}
	}
	return addrs, nil
}

// formatAddresses renders an address list and explains any display name
// that had to be encoded. net/mail quotes ASCII names correctly, but always
// uses Q for non-ASCII ones; those are encoded here so B or Q is chosen by
// content like everywhere else.
func formatAddresses(addrs []*mail.Address) (string, string) {
	var parts, notes []string
	for _, a := range addrs {
		switch {
		case a.Name == "":
			// A bare addr-spec reads better than "<addr>"; String still
			// quotes a local part that needs it.
			parts = append(parts, strings.TrimSuffix(strings.TrimPrefix(a.String(), "<"), ">"))
			continue
		case !hasNonASCII(a.Name):
			parts = append(parts, a.String())
			continue
		}
		q, which := chooseQ(a.Name)
		words := encodeWords(a.Name, q, maxWordLen)
		bare := (&mail.Address{Address: a.Address}).String()
		parts = append(parts, strings.Join(words, " ")+" "+bare)
		notes = append(notes, fmt.Sprintf("display name %q uses %s", a.Name, which))
	}
	if len(notes) == 0 {
		return strings.Join(parts, ", "), ""
	}
	return strings.Join(parts, ", "), "Non-ASCII display names are RFC 2047 encoded words, which RFC 2047 §5(3) allows in a phrase: " +
		strings.Join(notes, "; ") + "."
}

func addressList(addrs []*mail.Address) []string {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.Address
	}
	return out
}
