"""The web as a lesson meets it, on 127.0.0.1: a search service that answers as `ddgs api` does, and two photo sites.

A search for '<kind> photo' (bird, forest, mountain, mushroom) answers hits in ddgs's shape. Most are photos of that kind
(the shipped ones, so everything stays licensed); the rest are what real search results hold: photos of something else, a
file cut off halfway, a web page where a photo should be, the same photo at two addresses, a slow link and one that stalls,
dead links, and a redirect to another site. The same query always gets the same answer."""
import json
from urllib.parse import parse_qs, urlsplit
from PIL import Image
from course_lib.data import sorted_image_files
from course_lib.paths import shipped_photos
from browser import free_port
from photo_server import JPEG, PhotoServer, Route

OFF_TOPIC = {'bird': ('pets', 'pets', 'forest'), 'forest': ('mountain', 'mountain', 'mushroom'),
             'mountain': ('forest', 'forest', 'bird'), 'mushroom': ('forest', 'forest', 'bird')}  # what a search for each kind mixes in
NOISE = ('off_topic', 'off_topic', 'off_topic', 'truncated', 'not_a_photo', 'duplicate', 'slow', 'stalled', 'not_found', 'closed_port', 'redirected')
DOWNLOAD_TIMEOUT = 10  # seconds: `download_photos`' default, which the stalled link outlasts

class WebStandIn:
    "A search service and two photo sites on 127.0.0.1, started by `with`, stopped at its end; `expected(query)` says what a search gets"
    def __enter__(self):
        self.site, self.other_site = PhotoServer({}), PhotoServer({})
        self.search = PhotoServer({'/search/images': self._answer})
        self.search_url, self.answers = self.search.url(''), {}
        return self

    def __exit__(self, *exc):
        for server in (self.search, self.site, self.other_site): server.stop()

    def _answer(self, path:str)->Route:
        "The search service's answer to `path`: the first `max_results` hits of the query, as JSON"
        params = parse_qs(urlsplit(path).query)
        hits = self.hits(params['query'][0], int(params.get('max_results', ['10'])[0]))
        return Route(json.dumps({'results': hits}).encode(), headers={'Content-Type': 'application/json'})

    def hits(self, query:str, n:int)->list:
        "The `n` hits a search for `query` answers, with the photos behind them served; none for a query it does not know"
        return [h for hits in self.expected(query, n).values() for h in hits][:n] if query.split()[0] in OFF_TOPIC else []

    def expected(self, query:str, # '<kind> photo'
                 n:int=40, # how many hits the search asks for
                )->dict: # 'genuine', and each kind of noise in `NOISE`: the hits of that kind
        "What a search for `query` is answered with, by kind of hit, so that a test can check what was kept and what skipped"
        if (query, n) not in self.answers: self.answers[query, n] = self._make(query.split()[0], n)
        return self.answers[query, n]

    def _make(self, kind:str, n:int)->dict:
        files = sorted_image_files(shipped_photos()/kind)
        genuine, spare = files[:n - len(NOISE)], files[n - len(NOISE):]
        others = [sorted_image_files(shipped_photos()/other)[-1 - i] for i, other in enumerate(OFF_TOPIC[kind])]
        found = {'genuine': [self._hit(kind, f, self.site, Route(f.read_bytes(), headers=JPEG)) for f in genuine]}
        found['off_topic'] = [self._hit(kind, f, self.site, Route(f.read_bytes(), headers=JPEG)) for f in others]
        found['truncated'] = [self._hit(kind, spare[0], self.site, Route(spare[0].read_bytes()[:2000], headers=JPEG), 'cut-off')]
        found['not_a_photo'] = [self._hit(kind, spare[1], self.site, Route(b'<html><body>Sign in to see this photo</body></html>', headers=JPEG), 'page')]
        found['duplicate'] = [self._hit(kind, genuine[0], self.site, Route(genuine[0].read_bytes(), headers=JPEG), 'again')]
        found['slow'] = [self._hit(kind, spare[2], self.site, Route(spare[2].read_bytes(), headers=JPEG, drip=1/500), 'slow')]  # about 1 s per 32 KB
        found['stalled'] = [self._hit(kind, spare[3], self.site, Route(spare[3].read_bytes(), headers=JPEG, stall=DOWNLOAD_TIMEOUT + 3), 'stalled')]
        found['not_found'] = [self._hit(kind, spare[4], self.site, Route(b'not found', 404), 'gone')]
        found['closed_port'] = [{**self._hit(kind, spare[5], self.site, None, 'dead'), 'image': f'http://127.0.0.1:{free_port()}/{kind}/{spare[5].name}'}]
        moved = self._hit(kind, spare[6], self.other_site, Route(spare[6].read_bytes(), headers=JPEG), 'moved')
        found['redirected'] = [self._hit(kind, spare[6], self.site, Route(status=302, headers={'Location': moved['image']}), 'old')]
        return found

    def _hit(self, kind, photo, site:PhotoServer, route:Route|None, variant:str='')->dict:
        "A search hit in ddgs's shape for `photo`, served by `site` with `route`"
        path = f'/{kind}/{variant + "-" if variant else ""}{photo.name}'
        if route: site.httpd.routes[path] = route
        width, height = Image.open(photo).size
        return {'title': f'{photo.stem.replace("_", " ")}', 'image': site.url(path), 'thumbnail': site.url(path), 'url': site.url(f'/pages{path}.html'),
                'height': height, 'width': width, 'source': 'Bing'}
