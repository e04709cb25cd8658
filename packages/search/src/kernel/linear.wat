;; The inner loop of LinearSearch: blocked distance kernels and top-K selection
;; in WebAssembly SIMD (128-bit, baseline: no relaxed FMA). Assembled into
;; linear-wasm.ts by `pnpm --filter @tfsim/search build:kernel`; a test checks
;; that the committed bytes match this text.
;;
;; Memory layout (all offsets in bytes, chosen by linear-engine.ts):
;;   keys    panels of 8 keys: panel p holds, for j = 0..d-1, the 8 values
;;           key[8p + lane][j] at  p*stride + j*32 + lane*4,  stride = (d+2)*32;
;;           after the d rows, two rows of per-key values: aux0 (|k|^2) and
;;           aux1 (sum of k), 8 floats each.
;;   queries groups of 4 queries interleaved the same way: group g holds
;;           query[4g + r][j] at  g*d*16 + j*16 + r*4.
;;   qparams per query 16 bytes: |q|^2, sum of q (f32), 2 unused.
;;   heaps   per query K entries of 8 bytes (f32 value, i32 key index): a
;;           max-heap on (value, index) of the K smallest values seen.
;;
;; Each (query, key) pair gets a value v that orders keys like the distance:
;;   mode 0 inner product      v = -q.k
;;   mode 1 cosine             v = max(-q.k, -1)         (1 - q.k clipped at 0)
;;   mode 2 (squared) L2       v = |q|^2 + |k|^2 - 2 q.k
;;   mode 3 SNR                v = |q|^2 + |k|^2 - 2 q.k - (sum q - sum k)^2 / d
;;                                (d times the variance of q - k)
;;   mode 4 manhattan          v = sum |q - k|
;; computed in float32. The caller re-scores the K survivors exactly.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; Offers (val, idx) to the max-heap at $heap: it replaces the root (the
  ;; largest entry) when smaller. Keys arrive in ascending index order, so an
  ;; equal value never displaces an earlier key.
  (func $offer (param $heap i32) (param $K i32) (param $val f32) (param $idx i32)
    (local $i i32) (local $c i32) (local $addr i32) (local $cv f32) (local $ci i32) (local $c2 i32)
    (if (i32.eqz (f32.lt (local.get $val) (f32.load (local.get $heap))))
      (then (return)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $sift
        (local.set $c (i32.add (i32.shl (local.get $i) (i32.const 1)) (i32.const 1)))
        (br_if $done (i32.ge_u (local.get $c) (local.get $K)))
        (local.set $addr (i32.add (local.get $heap) (i32.shl (local.get $c) (i32.const 3))))
        (local.set $cv (f32.load (local.get $addr)))
        (local.set $ci (i32.load offset=4 (local.get $addr)))
        ;; the larger of the two children
        (local.set $c2 (i32.add (local.get $c) (i32.const 1)))
        (if (i32.lt_u (local.get $c2) (local.get $K))
          (then
            (if (i32.or
                  (f32.gt (f32.load offset=8 (local.get $addr)) (local.get $cv))
                  (i32.and
                    (f32.eq (f32.load offset=8 (local.get $addr)) (local.get $cv))
                    (i32.gt_s (i32.load offset=12 (local.get $addr)) (local.get $ci))))
              (then
                (local.set $c (local.get $c2))
                (local.set $cv (f32.load offset=8 (local.get $addr)))
                (local.set $ci (i32.load offset=12 (local.get $addr)))))))
        ;; stop when the child is not larger than the new entry
        (br_if $done
          (i32.eqz
            (i32.or
              (f32.gt (local.get $cv) (local.get $val))
              (i32.and (f32.eq (local.get $cv) (local.get $val)) (i32.gt_s (local.get $ci) (local.get $idx))))))
        (local.set $addr (i32.add (local.get $heap) (i32.shl (local.get $i) (i32.const 3))))
        (f32.store (local.get $addr) (local.get $cv))
        (i32.store offset=4 (local.get $addr) (local.get $ci))
        (local.set $i (local.get $c))
        (br $sift)))
    (local.set $addr (i32.add (local.get $heap) (i32.shl (local.get $i) (i32.const 3))))
    (f32.store (local.get $addr) (local.get $val))
    (i32.store offset=4 (local.get $addr) (local.get $idx)))

  ;; Offers the 4 lanes of $v (keys $key .. $key+3; those >= $n are padding).
  (func $offer4 (param $v v128) (param $heap i32) (param $K i32) (param $key i32) (param $n i32)
    (if (i32.lt_u (local.get $key) (local.get $n))
      (then (call $offer (local.get $heap) (local.get $K) (f32x4.extract_lane 0 (local.get $v)) (local.get $key))))
    (if (i32.lt_u (i32.add (local.get $key) (i32.const 1)) (local.get $n))
      (then (call $offer (local.get $heap) (local.get $K) (f32x4.extract_lane 1 (local.get $v))
              (i32.add (local.get $key) (i32.const 1)))))
    (if (i32.lt_u (i32.add (local.get $key) (i32.const 2)) (local.get $n))
      (then (call $offer (local.get $heap) (local.get $K) (f32x4.extract_lane 2 (local.get $v))
              (i32.add (local.get $key) (i32.const 2)))))
    (if (i32.lt_u (i32.add (local.get $key) (i32.const 3)) (local.get $n))
      (then (call $offer (local.get $heap) (local.get $K) (f32x4.extract_lane 3 (local.get $v))
              (i32.add (local.get $key) (i32.const 3))))))

  ;; Turns 4 accumulated lanes into values v (see the modes above) and offers
  ;; them when any beats the heap's current largest entry.
  (func $emit (param $acc v128) (param $aux0 v128) (param $aux1 v128) (param $qparam i32)
              (param $heap i32) (param $K i32) (param $key i32) (param $n i32) (param $mode i32) (param $invd f32)
    (local $v v128) (local $t v128)
    (block $m4
      (block $m3
        (block $m2
          (block $m1
            (block $m0
              (br_table $m0 $m1 $m2 $m3 $m4 (local.get $mode)))
            ;; mode 0: inner product
            (local.set $v (f32x4.neg (local.get $acc)))
            (br $m4))
          ;; mode 1: cosine
          (local.set $v (f32x4.max (f32x4.neg (local.get $acc)) (v128.const f32x4 -1 -1 -1 -1)))
          (br $m4))
        ;; mode 2: squared L2
        (local.set $v
          (f32x4.sub
            (f32x4.add (f32x4.splat (f32.load (local.get $qparam))) (local.get $aux0))
            (f32x4.add (local.get $acc) (local.get $acc))))
        (br $m4))
      ;; mode 3: SNR (d times the variance of q - k)
      (local.set $t (f32x4.sub (f32x4.splat (f32.load offset=4 (local.get $qparam))) (local.get $aux1)))
      (local.set $v
        (f32x4.sub
          (f32x4.sub
            (f32x4.add (f32x4.splat (f32.load (local.get $qparam))) (local.get $aux0))
            (f32x4.add (local.get $acc) (local.get $acc)))
          (f32x4.mul (f32x4.mul (local.get $t) (local.get $t)) (f32x4.splat (local.get $invd)))))
      (br $m4))
    (if (i32.eq (local.get $mode) (i32.const 4))
      (then (local.set $v (local.get $acc))))
    (if (v128.any_true (f32x4.lt (local.get $v) (f32x4.splat (f32.load (local.get $heap)))))
      (then (call $offer4 (local.get $v) (local.get $heap) (local.get $K) (local.get $key) (local.get $n)))))

  ;; Scans key panels [p0, p1) for query groups [0, ngroups), offering every
  ;; key to its query's heap: after all panels, each heap holds the K smallest
  ;; values and their keys. Keys are visited in tiles of $tile panels, small
  ;; enough to stay in cache while every query group passes over them. The
  ;; caller scans a large index in several calls, which also lets the engine
  ;; switch to its optimised code after the first.
  (func (export "search")
    (param $panels i32) (param $p0 i32) (param $p1 i32) (param $n i32) (param $d i32)
    (param $queries i32) (param $ngroups i32) (param $qparams i32) (param $heaps i32)
    (param $K i32) (param $mode i32) (param $tile i32) (param $invd f32)
    (local $stride i32) (local $t0 i32) (local $t1 i32) (local $g i32) (local $p i32)
    (local $pp i32) (local $pend i32) (local $qp i32) (local $heap i32) (local $hstride i32)
    (local $qparam i32) (local $key i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128)
    (local $k0 v128) (local $k1 v128) (local $s v128)
    (local $x0 v128) (local $x1 v128) (local $y0 v128) (local $y1 v128)
    (local.set $stride (i32.mul (i32.add (local.get $d) (i32.const 2)) (i32.const 32)))
    (local.set $hstride (i32.shl (local.get $K) (i32.const 3)))
    (local.set $t0 (local.get $p0))
    (block $tiles_done
      (loop $tiles
        (br_if $tiles_done (i32.ge_u (local.get $t0) (local.get $p1)))
        (local.set $t1 (i32.add (local.get $t0) (local.get $tile)))
        (if (i32.gt_u (local.get $t1) (local.get $p1))
          (then (local.set $t1 (local.get $p1))))
        (local.set $g (i32.const 0))
        (block $groups_done
          (loop $groups
            (br_if $groups_done (i32.ge_u (local.get $g) (local.get $ngroups)))
            (local.set $p (local.get $t0))
            (block $panels_done
              (loop $panel_loop
                (br_if $panels_done (i32.ge_u (local.get $p) (local.get $t1)))
                (local.set $pp (i32.add (local.get $panels) (i32.mul (local.get $p) (local.get $stride))))
                (local.set $pend (i32.add (local.get $pp) (i32.shl (local.get $d) (i32.const 5))))
                (local.set $qp (i32.add (local.get $queries) (i32.mul (local.get $g) (i32.shl (local.get $d) (i32.const 4)))))
                (local.set $a0 (v128.const i32x4 0 0 0 0))
                (local.set $a1 (v128.const i32x4 0 0 0 0))
                (local.set $a2 (v128.const i32x4 0 0 0 0))
                (local.set $a3 (v128.const i32x4 0 0 0 0))
                (local.set $a4 (v128.const i32x4 0 0 0 0))
                (local.set $a5 (v128.const i32x4 0 0 0 0))
                (local.set $a6 (v128.const i32x4 0 0 0 0))
                (local.set $a7 (v128.const i32x4 0 0 0 0))
                (if (i32.eq (local.get $mode) (i32.const 4))
                  (then
                    ;; manhattan: a += |q - k|
                    (block $l1_done
                      (loop $l1
                        (br_if $l1_done (i32.ge_u (local.get $pp) (local.get $pend)))
                        (local.set $k0 (v128.load (local.get $pp)))
                        (local.set $k1 (v128.load offset=16 (local.get $pp)))
                        (local.set $s (v128.load32_splat (local.get $qp)))
                        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.abs (f32x4.sub (local.get $s) (local.get $k0)))))
                        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.abs (f32x4.sub (local.get $s) (local.get $k1)))))
                        (local.set $s (v128.load32_splat offset=4 (local.get $qp)))
                        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.abs (f32x4.sub (local.get $s) (local.get $k0)))))
                        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.abs (f32x4.sub (local.get $s) (local.get $k1)))))
                        (local.set $s (v128.load32_splat offset=8 (local.get $qp)))
                        (local.set $a4 (f32x4.add (local.get $a4) (f32x4.abs (f32x4.sub (local.get $s) (local.get $k0)))))
                        (local.set $a5 (f32x4.add (local.get $a5) (f32x4.abs (f32x4.sub (local.get $s) (local.get $k1)))))
                        (local.set $s (v128.load32_splat offset=12 (local.get $qp)))
                        (local.set $a6 (f32x4.add (local.get $a6) (f32x4.abs (f32x4.sub (local.get $s) (local.get $k0)))))
                        (local.set $a7 (f32x4.add (local.get $a7) (f32x4.abs (f32x4.sub (local.get $s) (local.get $k1)))))
                        (local.set $pp (i32.add (local.get $pp) (i32.const 32)))
                        (local.set $qp (i32.add (local.get $qp) (i32.const 16)))
                        (br $l1))))
                  (else
                    ;; dot products, two dimensions per step, then one for an odd d
                    (block $dot_done
                      (loop $dot
                        (br_if $dot_done (i32.gt_u (i32.add (local.get $pp) (i32.const 64)) (local.get $pend)))
                        (local.set $k0 (v128.load (local.get $pp)))
                        (local.set $k1 (v128.load offset=16 (local.get $pp)))
                        (local.set $s (v128.load32_splat (local.get $qp)))
                        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $k0))))
                        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $k1))))
                        (local.set $s (v128.load32_splat offset=4 (local.get $qp)))
                        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $k0))))
                        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $k1))))
                        (local.set $s (v128.load32_splat offset=8 (local.get $qp)))
                        (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $k0))))
                        (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $k1))))
                        (local.set $s (v128.load32_splat offset=12 (local.get $qp)))
                        (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $k0))))
                        (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $k1))))
                        (local.set $k0 (v128.load offset=32 (local.get $pp)))
                        (local.set $k1 (v128.load offset=48 (local.get $pp)))
                        (local.set $s (v128.load32_splat offset=16 (local.get $qp)))
                        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $k0))))
                        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $k1))))
                        (local.set $s (v128.load32_splat offset=20 (local.get $qp)))
                        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $k0))))
                        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $k1))))
                        (local.set $s (v128.load32_splat offset=24 (local.get $qp)))
                        (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $k0))))
                        (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $k1))))
                        (local.set $s (v128.load32_splat offset=28 (local.get $qp)))
                        (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $k0))))
                        (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $k1))))
                        (local.set $pp (i32.add (local.get $pp) (i32.const 64)))
                        (local.set $qp (i32.add (local.get $qp) (i32.const 32)))
                        (br $dot)))
                    (if (i32.lt_u (local.get $pp) (local.get $pend))
                      (then
                        (local.set $k0 (v128.load (local.get $pp)))
                        (local.set $k1 (v128.load offset=16 (local.get $pp)))
                        (local.set $s (v128.load32_splat (local.get $qp)))
                        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $s) (local.get $k0))))
                        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $s) (local.get $k1))))
                        (local.set $s (v128.load32_splat offset=4 (local.get $qp)))
                        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $s) (local.get $k0))))
                        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $s) (local.get $k1))))
                        (local.set $s (v128.load32_splat offset=8 (local.get $qp)))
                        (local.set $a4 (f32x4.add (local.get $a4) (f32x4.mul (local.get $s) (local.get $k0))))
                        (local.set $a5 (f32x4.add (local.get $a5) (f32x4.mul (local.get $s) (local.get $k1))))
                        (local.set $s (v128.load32_splat offset=12 (local.get $qp)))
                        (local.set $a6 (f32x4.add (local.get $a6) (f32x4.mul (local.get $s) (local.get $k0))))
                        (local.set $a7 (f32x4.add (local.get $a7) (f32x4.mul (local.get $s) (local.get $k1))))))))
                ;; per-key values of this panel (pend points at them)
                (local.set $x0 (v128.load (local.get $pend)))
                (local.set $x1 (v128.load offset=16 (local.get $pend)))
                (local.set $y0 (v128.load offset=32 (local.get $pend)))
                (local.set $y1 (v128.load offset=48 (local.get $pend)))
                (local.set $key (i32.shl (local.get $p) (i32.const 3)))
                (local.set $heap (i32.add (local.get $heaps) (i32.mul (i32.shl (local.get $g) (i32.const 2)) (local.get $hstride))))
                (local.set $qparam (i32.add (local.get $qparams) (i32.shl (local.get $g) (i32.const 6))))
                ;; query 0
                (call $emit (local.get $a0) (local.get $x0) (local.get $y0) (local.get $qparam) (local.get $heap)
                  (local.get $K) (local.get $key) (local.get $n) (local.get $mode) (local.get $invd))
                (call $emit (local.get $a1) (local.get $x1) (local.get $y1) (local.get $qparam) (local.get $heap)
                  (local.get $K) (i32.add (local.get $key) (i32.const 4)) (local.get $n) (local.get $mode) (local.get $invd))
                ;; query 1
                (local.set $heap (i32.add (local.get $heap) (local.get $hstride)))
                (local.set $qparam (i32.add (local.get $qparam) (i32.const 16)))
                (call $emit (local.get $a2) (local.get $x0) (local.get $y0) (local.get $qparam) (local.get $heap)
                  (local.get $K) (local.get $key) (local.get $n) (local.get $mode) (local.get $invd))
                (call $emit (local.get $a3) (local.get $x1) (local.get $y1) (local.get $qparam) (local.get $heap)
                  (local.get $K) (i32.add (local.get $key) (i32.const 4)) (local.get $n) (local.get $mode) (local.get $invd))
                ;; query 2
                (local.set $heap (i32.add (local.get $heap) (local.get $hstride)))
                (local.set $qparam (i32.add (local.get $qparam) (i32.const 16)))
                (call $emit (local.get $a4) (local.get $x0) (local.get $y0) (local.get $qparam) (local.get $heap)
                  (local.get $K) (local.get $key) (local.get $n) (local.get $mode) (local.get $invd))
                (call $emit (local.get $a5) (local.get $x1) (local.get $y1) (local.get $qparam) (local.get $heap)
                  (local.get $K) (i32.add (local.get $key) (i32.const 4)) (local.get $n) (local.get $mode) (local.get $invd))
                ;; query 3
                (local.set $heap (i32.add (local.get $heap) (local.get $hstride)))
                (local.set $qparam (i32.add (local.get $qparam) (i32.const 16)))
                (call $emit (local.get $a6) (local.get $x0) (local.get $y0) (local.get $qparam) (local.get $heap)
                  (local.get $K) (local.get $key) (local.get $n) (local.get $mode) (local.get $invd))
                (call $emit (local.get $a7) (local.get $x1) (local.get $y1) (local.get $qparam) (local.get $heap)
                  (local.get $K) (i32.add (local.get $key) (i32.const 4)) (local.get $n) (local.get $mode) (local.get $invd))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $panel_loop)))
            (local.set $g (i32.add (local.get $g) (i32.const 1)))
            (br $groups)))
        (local.set $t0 (local.get $t1))
        (br $tiles))))
)
