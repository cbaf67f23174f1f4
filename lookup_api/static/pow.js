/* Proof-of-work for the forms the lookup service guards: the 咨询投诉 form always, the 查询 form
 * once an ID number is past its free budget (issue 18).  A form with data-yk-pow is solved in the
 * background, so the person need not answer the sum; without this script the sum is answered instead.
 * window.ykPow.solve(token, done) is for scripts that send JSON (assets/lookup.js).
 * SHA-256 in plain JavaScript (crypto.subtle is missing on plain-HTTP sites and
 * is slow for many tiny hashes); the work runs in short slices so typing stays smooth.
 */
(function () {
  "use strict";
  if (!window.Uint32Array) { return; }
  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
  var W = new Uint32Array(64);

  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }

  // SHA-256 of an ASCII string; returns the first two 32-bit words (enough to count leading zeros).
  function sha256head(str) {
    var n = str.length, blocks = ((n + 9 + 63) >> 6), bytes = new Uint8Array(blocks * 64), i, j;
    for (i = 0; i < n; i++) { bytes[i] = str.charCodeAt(i) & 0xff; }
    bytes[n] = 0x80;
    var bits = n * 8, end = blocks * 64;
    bytes[end - 4] = (bits >>> 24) & 0xff; bytes[end - 3] = (bits >>> 16) & 0xff;
    bytes[end - 2] = (bits >>> 8) & 0xff; bytes[end - 1] = bits & 0xff;
    var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a,
        h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (var off = 0; off < end; off += 64) {
      for (j = 0; j < 16; j++) {
        W[j] = (bytes[off + 4 * j] << 24) | (bytes[off + 4 * j + 1] << 16) | (bytes[off + 4 * j + 2] << 8) | bytes[off + 4 * j + 3];
      }
      for (j = 16; j < 64; j++) {
        var w15 = W[j - 15], w2 = W[j - 2];
        var s0 = rotr(w15, 7) ^ rotr(w15, 18) ^ (w15 >>> 3), s1 = rotr(w2, 17) ^ rotr(w2, 19) ^ (w2 >>> 10);
        W[j] = (W[j - 16] + s0 + W[j - 7] + s1) | 0;
      }
      var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (j = 0; j < 64; j++) {
        var S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25), ch = (e & f) ^ (~e & g);
        var t1 = (h + S1 + ch + K[j] + W[j]) | 0;
        var S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22), maj = (a & b) ^ (a & c) ^ (b & c);
        var t2 = (S0 + maj) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
    }
    return [h0 >>> 0, h1 >>> 0];
  }

  function zeros(head) {
    if (head[0] !== 0) { return Math.clz32(head[0]); }
    return 32 + Math.clz32(head[1]);
  }

  // Calls done(counter) once SHA-256(token + ":" + counter) starts with the token's number of zero bits.
  function solve(token, done) {
    var bits = parseInt(String(token).split(".")[2], 10), counter = 0;
    if (isNaN(bits)) { return false; }
    function work() {
      var stop = Date.now() + 40;
      while (Date.now() < stop) {
        for (var i = 0; i < 500; i++, counter++) {
          if (zeros(sha256head(token + ":" + counter)) >= bits) { return done(counter); }
        }
      }
      setTimeout(work, 0);
    }
    setTimeout(work, 50);
    return true;
  }
  window.ykPow = { solve: solve };

  function guard(form) {
    var token = form.elements.challenge && form.elements.challenge.value;
    var verify = form.querySelector(".yk-verify");
    var answer = form.elements.answer;
    var status = form.querySelector(".yk-pow-status");
    var solved = false, submitting = false;
    if (!token || !form.elements.pow) { return; }
    function done(value) {
      solved = true;
      form.elements.pow.value = String(value);
      if (verify) { verify.hidden = true; }
      if (answer) { answer.required = false; answer.value = ""; }
      if (status) { status.hidden = true; }
      if (submitting) { form.submit(); }
    }
    if (!solve(token, done)) { return; }
    // The script will do the check: the sum is only for people without it.
    if (verify) { verify.hidden = true; }
    if (answer) { answer.required = false; }
    form.addEventListener("submit", function (event) {
      if (solved || (answer && answer.value.trim())) { return; }
      event.preventDefault();
      submitting = true;
      if (status) { status.hidden = false; status.textContent = "正在验证，请稍等……"; }
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-yk-pow]"), guard);
}());
