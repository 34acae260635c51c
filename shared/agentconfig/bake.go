package agentconfig

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
	"time"
)

// Bake returns the agent program bin (size bytes) with c baked in, as the
// bytes of the download: a reader that can seek (for ranged requests) and
// its length. bin is only read; nothing is copied but the few bytes that
// change. Within one process the same program and configuration always
// bake to the same bytes.
//
//   - Any program but a signed Windows one: the block is appended. A
//     Windows program's header checksum, when it has one, is recomputed.
//   - A signed Windows program (an Authenticode certificate table at its
//     end): appending after the signature would leave data outside the
//     table, which Windows reports as an invalid signature. Instead the
//     block goes into an extra certificate added to the signature's PKCS#7
//     certificate set — the "superfluous certificate" that Chrome's
//     installers use for their tags. Windows leaves the whole certificate
//     table out of the signed hash, and an extra certificate is not padding,
//     so the signature stays valid even with EnableCertPaddingCheck on (which
//     refuses data put after the PKCS#7 blob inside the table). The table's
//     sizes and the header checksum are updated to match.
func Bake(bin io.ReaderAt, size int64, c Config) (io.ReadSeeker, int64, error) {
	block, err := c.Block()
	if err != nil {
		return nil, 0, err
	}
	pe, err := readPE(bin, size)
	if err != nil {
		return nil, 0, err
	}
	var out concat
	switch {
	case pe == nil:
		out.add(bin, size)
		out.addBytes(block)
		return out.reader(), out.size, nil
	case pe.certSize == 0:
		out.add(bin, size)
		out.addBytes(block)
	default:
		table, err := pe.signedTable(bin, block)
		if err != nil {
			return nil, 0, err
		}
		out.add(bin, pe.certOff)
		out.addBytes(table)
		out.patch(pe.secDirOff+4, binary.LittleEndian.AppendUint32(nil, uint32(len(table))))
	}
	if pe.checksum != 0 {
		field := out.patch(pe.checksumOff, make([]byte, 4))
		sum, err := peChecksum(out.reader(), out.size)
		if err != nil {
			return nil, 0, fmt.Errorf("agentconfig: checksum of the Windows program: %w", err)
		}
		binary.LittleEndian.PutUint32(field, sum)
	}
	return out.reader(), out.size, nil
}

// peFile is what Bake needs of a Windows program's headers.
type peFile struct {
	checksumOff int64  // offset of the optional header's CheckSum
	checksum    uint32 // its value; 0 means the linker left it out
	secDirOff   int64  // offset of the certificate table's data directory entry
	certOff     int64  // the certificate table (a file offset, not an RVA)
	certSize    int64
}

// readPE reads the headers of a PE program; nil, nil when bin is not one.
func readPE(bin io.ReaderAt, size int64) (*peFile, error) {
	var dos [64]byte
	if size < int64(len(dos)) {
		return nil, nil
	}
	if _, err := bin.ReadAt(dos[:], 0); err != nil {
		return nil, fmt.Errorf("agentconfig: read the program: %w", err)
	}
	if dos[0] != 'M' || dos[1] != 'Z' {
		return nil, nil
	}
	nt := int64(binary.LittleEndian.Uint32(dos[0x3c:]))
	var hdr [24 + 240]byte // signature, file header, the largest optional header
	if nt < int64(len(dos)) || nt+int64(len(hdr)) > size {
		return nil, nil // "MZ" but no PE header: an old DOS program, not ours
	}
	if _, err := bin.ReadAt(hdr[:], nt); err != nil {
		return nil, fmt.Errorf("agentconfig: read the program's headers: %w", err)
	}
	if string(hdr[:4]) != "PE\x00\x00" {
		return nil, nil
	}
	optSize := int64(binary.LittleEndian.Uint16(hdr[20:]))
	opt := hdr[24:]
	var dirCount, dirAt int64
	switch binary.LittleEndian.Uint16(opt) {
	case 0x10b: // PE32
		dirCount, dirAt = int64(binary.LittleEndian.Uint32(opt[92:])), 96
	case 0x20b: // PE32+
		dirCount, dirAt = int64(binary.LittleEndian.Uint32(opt[108:])), 112
	default:
		return nil, errors.New("agentconfig: the Windows program has an unknown optional header")
	}
	p := &peFile{
		checksumOff: nt + 24 + 64,
		checksum:    binary.LittleEndian.Uint32(opt[64:]),
		secDirOff:   nt + 24 + dirAt + 4*8,
	}
	const security = 4 // IMAGE_DIRECTORY_ENTRY_SECURITY
	if dirCount <= security || dirAt+(security+1)*8 > optSize {
		return p, nil
	}
	d := opt[dirAt+security*8:]
	p.certOff, p.certSize = int64(binary.LittleEndian.Uint32(d)), int64(binary.LittleEndian.Uint32(d[4:]))
	if p.certSize == 0 {
		return p, nil
	}
	if p.certOff+p.certSize != size || p.certSize < 8 {
		return nil, errors.New("agentconfig: the Windows program's signature is not at its end, so nothing can be added without breaking it")
	}
	return p, nil
}

// signedTable returns the certificate table with block added in an extra
// certificate of its first (Authenticode) signature.
func (p *peFile) signedTable(bin io.ReaderAt, block []byte) ([]byte, error) {
	table := make([]byte, p.certSize)
	if _, err := bin.ReadAt(table, p.certOff); err != nil {
		return nil, fmt.Errorf("agentconfig: read the program's signature: %w", err)
	}
	length := int64(binary.LittleEndian.Uint32(table))
	const pkcsSignedData = 2 // WIN_CERT_TYPE_PKCS_SIGNED_DATA
	if length < 8 || length > p.certSize || binary.LittleEndian.Uint16(table[6:]) != pkcsSignedData {
		return nil, errors.New("agentconfig: the Windows program's signature is not an Authenticode signature")
	}
	cert, err := carrier(block)
	if err != nil {
		return nil, err
	}
	signed, err := addCertificate(table[8:length], cert)
	if err != nil {
		return nil, err
	}
	first := binary.LittleEndian.AppendUint32(nil, uint32(8+len(signed)))
	first = append(first, table[4:8]...) // revision and type
	first = append(first, signed...)
	first = append(first, make([]byte, pad8(len(first)))...)
	// Any further entries stay as they were, 8-byte aligned as before.
	return append(first, table[min(length+int64(pad8(int(length))), p.certSize):]...), nil
}

func pad8(n int) int { return (8 - n%8) % 8 }

var oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}

// addCertificate inserts cert into the certificate set of a DER PKCS#7
// SignedData and returns the new DER. Only the lengths of the structures
// around the set change; the signed parts are copied byte for byte.
func addCertificate(pkcs7, cert []byte) ([]byte, error) {
	bad := func(what string) error {
		return fmt.Errorf("agentconfig: the Windows program's signature is not a PKCS#7 signature Lifeline can add to (%s)", what)
	}
	var ci asn1.RawValue
	if _, err := asn1.Unmarshal(pkcs7, &ci); err != nil || ci.Class != asn1.ClassUniversal || ci.Tag != asn1.TagSequence {
		return nil, bad("no ContentInfo")
	}
	var oid asn1.ObjectIdentifier
	rest, err := asn1.Unmarshal(ci.Bytes, &oid)
	if err != nil || !oid.Equal(oidSignedData) {
		return nil, bad("not SignedData")
	}
	var explicit asn1.RawValue
	if _, err := asn1.Unmarshal(rest, &explicit); err != nil || explicit.Class != asn1.ClassContextSpecific || explicit.Tag != 0 {
		return nil, bad("no content")
	}
	var sd asn1.RawValue
	if _, err := asn1.Unmarshal(explicit.Bytes, &sd); err != nil || sd.Tag != asn1.TagSequence {
		return nil, bad("no SignedData")
	}
	var fields []byte
	added := false
	for rest := sd.Bytes; len(rest) > 0; {
		var f asn1.RawValue
		if rest, err = asn1.Unmarshal(rest, &f); err != nil {
			return nil, bad("a damaged field")
		}
		if f.Class == asn1.ClassContextSpecific && f.Tag == 0 && f.IsCompound { // certificates [0] IMPLICIT SET OF
			set, err := derWrap(asn1.ClassContextSpecific, 0, append(append([]byte(nil), f.Bytes...), cert...))
			if err != nil {
				return nil, err
			}
			fields = append(fields, set...)
			added = true
			continue
		}
		fields = append(fields, f.FullBytes...)
	}
	if !added {
		return nil, bad("no certificates")
	}
	sdDER, err := derWrap(asn1.ClassUniversal, asn1.TagSequence, fields)
	if err != nil {
		return nil, err
	}
	content, err := derWrap(asn1.ClassContextSpecific, 0, sdDER)
	if err != nil {
		return nil, err
	}
	oidDER, err := asn1.Marshal(oidSignedData)
	if err != nil {
		return nil, fmt.Errorf("agentconfig: encode the signature: %w", err)
	}
	return derWrap(asn1.ClassUniversal, asn1.TagSequence, append(oidDER, content...))
}

// derWrap encodes b as the contents of a constructed DER value.
func derWrap(class, tag int, b []byte) ([]byte, error) {
	out, err := asn1.Marshal(asn1.RawValue{Class: class, Tag: tag, IsCompound: true, Bytes: b})
	if err != nil {
		return nil, fmt.Errorf("agentconfig: encode the signature: %w", err)
	}
	return out, nil
}

// oidCarrier names the extension holding the block. It is an arc under
// 2.25 (UUIDs) made of random digits; nothing looks it up — Find searches
// for the block's magic — it only keeps the extension from meaning
// anything to anybody else.
var oidCarrier = asn1.ObjectIdentifier{2, 25, 1876214903, 2717, 1}

var (
	carrierKeyOnce sync.Once
	carrierKey     *rsa.PrivateKey
	carrierKeyErr  error
)

// carrier is the extra certificate: self-signed with a key made for this
// process, valid for one day in 2000 so that nothing could ever accept it
// as a signer, and carrying the block in a non-critical extension. RSA
// because every verifier parses it, and because PKCS #1 v1.5 signatures
// are deterministic: within one process the same program and configuration
// always bake to the same bytes, so an interrupted download can resume.
func carrier(block []byte) ([]byte, error) {
	carrierKeyOnce.Do(func() { carrierKey, carrierKeyErr = rsa.GenerateKey(rand.Reader, 2048) })
	if carrierKeyErr != nil {
		return nil, fmt.Errorf("agentconfig: key for the configuration certificate: %w", carrierKeyErr)
	}
	value, err := asn1.Marshal(block) // an OCTET STRING: the block's bytes stay verbatim in the file
	if err != nil {
		return nil, fmt.Errorf("agentconfig: encode the configuration: %w", err)
	}
	start := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(1),
		Subject:         pkix.Name{CommonName: "Lifeline agent session details (not a signer)"},
		NotBefore:       start,
		NotAfter:        start.Add(24 * time.Hour),
		ExtraExtensions: []pkix.Extension{{Id: oidCarrier, Value: value}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &carrierKey.PublicKey, carrierKey)
	if err != nil {
		return nil, fmt.Errorf("agentconfig: make the configuration certificate: %w", err)
	}
	return der, nil
}

// peChecksum is the PE header checksum (imagehlp's CheckSumMappedFile):
// the file's 16-bit little-endian words added with end-around carry, plus
// the file's length. The caller zeroes the CheckSum field first.
func peChecksum(r io.Reader, size int64) (uint32, error) {
	var sum uint64
	buf := make([]byte, 64<<10)
	var odd []byte // a byte left over from the previous read
	for {
		n, err := io.ReadFull(r, buf)
		b := buf[:n]
		if len(odd) == 1 && n > 0 {
			sum += uint64(odd[0]) | uint64(b[0])<<8
			b, odd = b[1:], nil
		}
		for len(b) >= 2 {
			sum += uint64(binary.LittleEndian.Uint16(b))
			b = b[2:]
		}
		if len(b) == 1 {
			odd = []byte{b[0]}
		}
		sum = (sum & 0xffff) + (sum >> 16)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return 0, err
		}
	}
	if len(odd) == 1 {
		sum += uint64(odd[0])
	}
	for sum > 0xffff {
		sum = (sum & 0xffff) + (sum >> 16)
	}
	return uint32(sum) + uint32(size), nil
}

// concat is a file made of pieces: ranges of the program, and small
// byte slices that replace or follow them.
type concat struct {
	pieces []piece
	size   int64
}

type piece struct {
	off int64 // where the piece starts in the output
	r   io.ReaderAt
	n   int64
}

func (c *concat) add(r io.ReaderAt, n int64) {
	c.pieces = append(c.pieces, piece{off: c.size, r: r, n: n})
	c.size += n
}

func (c *concat) addBytes(b []byte) { c.add(byteReaderAt(b), int64(len(b))) }

// patch overwrites len(b) bytes at off with b, which stays the piece's
// backing store (the caller may fill it in later). off must lie within
// one piece.
func (c *concat) patch(off int64, b []byte) []byte {
	var out []piece
	for _, p := range c.pieces {
		end := p.off + p.n
		if off < p.off || off >= end {
			out = append(out, p)
			continue
		}
		within := off - p.off
		if within > 0 {
			out = append(out, piece{off: p.off, r: p.r, n: within})
		}
		out = append(out, piece{off: off, r: byteReaderAt(b), n: int64(len(b))})
		if tail := within + int64(len(b)); tail < p.n {
			out = append(out, piece{off: off + int64(len(b)), r: io.NewSectionReader(p.r, tail, p.n-tail), n: p.n - tail})
		}
	}
	c.pieces = out
	return b
}

func (c *concat) reader() *io.SectionReader { return io.NewSectionReader(c, 0, c.size) }

func (c *concat) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for _, p := range c.pieces {
		if len(b) == 0 {
			break
		}
		if off >= p.off+p.n || off < p.off {
			continue
		}
		within := off - p.off
		want := min(int64(len(b)), p.n-within)
		m, err := p.r.ReadAt(b[:want], within)
		n += m
		if int64(m) < want {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // the program got shorter while being served
			}
			return n, err
		}
		b, off = b[want:], off+want
	}
	if len(b) > 0 {
		return n, io.EOF
	}
	return n, nil
}

type byteReaderAt []byte

func (b byteReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
