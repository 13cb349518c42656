# Independent check of shapefile contents for the tests of engine/shapes.c: parses the
# .shp/.shx/.dbf with the struct module only (no shapelib) and prints record counts,
# ring counts by orientation, holes, multipolygons and bounds. Usage:
#   python3 tests/tools/count_shp.py   (reads the layers of ../shared/data it names)
import struct, sys
def shp(path):
    d = open(path, 'rb').read()
    off = 100; recs = []
    while off < len(d):
        num, clen = struct.unpack('>ii', d[off:off+8]); body = d[off+8: off+8+2*clen]; off += 8 + 2*clen
        t = struct.unpack('<i', body[:4])[0]
        if t == 0: recs.append((t, [])); continue
        npart, npt = struct.unpack('<ii', body[36:44])
        parts = struct.unpack('<%di' % npart, body[44:44+4*npart])
        p0 = 44 + 4*npart
        pts = struct.unpack('<%dd' % (2*npt), body[p0:p0+16*npt])
        rings = []
        for k in range(npart):
            a = parts[k]; b = parts[k+1] if k+1 < npart else npt
            rings.append([(pts[2*i], pts[2*i+1]) for i in range(a, b)])
        recs.append((t, rings))
    return recs
def area(r):
    return sum(r[i][0]*r[i+1][1]-r[i+1][0]*r[i][1] for i in range(len(r)-1))/2
def dbf(path):
    d = open(path, 'rb').read()
    n, hl, rl = struct.unpack('<IHH', d[4:12]); fields = []; o = 32
    while d[o] != 0x0D:
        fields.append((d[o:o+11].split(b'\0')[0].decode(), d[o+16])); o += 32
    rows = []
    for i in range(n):
        r = d[hl+i*rl: hl+(i+1)*rl]; p = 1; row = {}
        for name, w in fields: row[name] = r[p:p+w].decode('utf-8').strip(); p += w
        rows.append(row)
    return fields, rows
for base, key in [('qpv2015_occitanie/qp_occitanie_2015_lb93', 'code_qp'), ('communes_2018/communes_occitanie_2018_lb93', 'code'), ('contrats_ville/cv_2015_wgs84', 'id')]:
    p = '/work/shared/data/' + base
    recs = shp(p + '.shp'); fields, rows = dbf(p + '.dbf')
    shx = (len(open(p + '.shx', 'rb').read()) - 100)//8
    nring = sum(len(r) for t, r in recs); ncw = sum(1 for t, rr in recs for r in rr if area(r) < 0); nccw = nring - ncw
    types = set(t for t, r in recs); unclosed = sum(1 for t, rr in recs for r in rr if r[0] != r[-1]); small = sum(1 for t, rr in recs for r in rr if len(r) < 4)
    print(base, 'shp', len(recs), 'shx', shx, 'dbf', len(rows), 'fields', [f for f, w in fields], 'types', types)
    print('  first', rows[0][key], 'last', rows[-1][key], 'rings', nring, 'cw(outer)', ncw, 'ccw(holes)', nccw, 'unclosed', unclosed, '<4', small)
    withholes = [(i, rows[i][key], sum(1 for r in rr if area(r) < 0), sum(1 for r in rr if area(r) > 0)) for i, (t, rr) in enumerate(recs) if any(area(r) > 0 for r in rr)]
    print('  shapes with ccw rings:', len(withholes), withholes[:6])
    multi = [(i, rows[i][key], len(rr)) for i, (t, rr) in enumerate(recs) if sum(1 for r in rr if area(r) < 0) > 1]
    print('  multi-outer shapes:', len(multi), multi[:5])
    xs = [x for t, rr in recs for r in rr for x, y in r]; ys = [y for t, rr in recs for r in rr for x, y in r]
    print('  bounds %.17g %.17g %.17g %.17g' % (min(xs), min(ys), max(xs), max(ys)))
