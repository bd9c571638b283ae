/* Etalage admin charts: inline SVG built with DOM calls (no markup strings, no library).
 * EtalageCharts.rateChart(report) draws an experiment's conversion rate per variant with its confidence interval;
 * EtalageCharts.percent(fraction, digits) formats a rate the way the chart does. */
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    for (var key in attrs) if (Object.prototype.hasOwnProperty.call(attrs, key)) node.setAttribute(key, String(attrs[key]));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
  function normalQuantile(p) {
    if (!(p > 0 && p < 1)) return NaN;
    var a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.3577518672690, -30.66479806614716, 2.506628277459239];
    var b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
    var c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    var d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
    var q, r;
    if (p < 0.02425) {
      q = Math.sqrt(-2 * Math.log(p));
      return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
    }
    if (p > 1 - 0.02425) return -normalQuantile(1 - p);
    q = p - 0.5;
    r = q * q;
    return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }

  /** Wilson score interval for a proportion: sound at small counts and at 0 or 100%, unlike the normal one. */
  function wilson(successes, trials, level) {
    if (!(trials > 0)) return null;
    var z = normalQuantile(1 - (1 - level) / 2);
    var p = successes / trials;
    var denominator = 1 + z * z / trials;
    var centre = (p + z * z / (2 * trials)) / denominator;
    var half = z * Math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator;
    return { lower: Math.max(0, centre - half), upper: Math.min(1, centre + half) };
  }

  /** The smallest of 1, 2, 2.5, 5 times a power of ten that is at least `value`: a round axis step. */
  function niceStep(value) {
    if (!(value > 0)) return 0.0025;
    var power = Math.pow(10, Math.floor(Math.log(value) / Math.LN10));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * power >= value * (1 - 1e-9)) return steps[i] * power;
    return 10 * power;
  }

  /** `x` (a fraction) as a percentage with `digits` decimals (default 1): 0.0512 → "5.1%". */
  function percent(x, digits) {
    return (x * 100).toFixed(digits === undefined ? 1 : digits) + '%';
  }

  /** One row per variant: a bar to the conversion rate, a whisker over its confidence interval, the control's
   *  rate as a dashed line. `report` is the JSON of GET /v1/admin/experiments/{key}/results. */
  function rateChart(report) {
    var level = typeof report.confidenceLevel === 'number' ? report.confidenceLevel : 0.95;
    var variants = Array.isArray(report.variants) ? report.variants : [];
    var rows = variants.map(function (v) {
      var rate = typeof v.conversionRate === 'number' ? v.conversionRate : null; // null: no visitors exposed yet
      return { key: String(v.key), control: v.control === true, visitors: v.visitors || 0, rate: rate, ci: wilson(v.conversions, v.visitors, level) };
    });
    var top = 0;
    rows.forEach(function (r) { top = Math.max(top, r.ci ? r.ci.upper : 0, r.rate || 0); });
    var step = niceStep(top / 4);
    var ticks = Math.max(1, Math.ceil(top / step - 1e-9));
    var max = step * ticks;
    var width = 720, label = 160, right = 190, rowHeight = 40, head = 12, axis = 30;
    var plot = width - label - right;
    var height = head + rows.length * rowHeight + axis;
    var x = function (value) { return label + plot * Math.min(1, Math.max(0, value / max)); };
    var title = 'Conversion rate per variant with ' + percent(level, 0) + ' confidence intervals';
    var svg = el('svg', { viewBox: '0 0 ' + width + ' ' + height, width: width, height: height, role: 'img',
      'aria-label': title, 'class': 'rate-chart', 'data-chart': 'conversion-rate' });
    svg.appendChild(el('title', {}, title));

    var digits = step * 100 >= 1 && Math.round(step * 100) === step * 100 ? 0 : 1;
    for (var t = 0; t <= ticks; t++) {
      var value = step * t, tx = x(value);
      svg.appendChild(el('line', { x1: tx, x2: tx, y1: head - 4, y2: head + rows.length * rowHeight, 'class': 'grid' }));
      svg.appendChild(el('text', { x: tx, y: height - 10, 'text-anchor': 'middle', 'class': 'tick' }, percent(value, digits)));
    }
    var control = rows.filter(function (r) { return r.control && r.rate !== null; })[0];
    if (control) {
      svg.appendChild(el('line', { x1: x(control.rate), x2: x(control.rate), y1: head - 4, y2: head + rows.length * rowHeight,
        'class': 'control-line' }));
    }
    rows.forEach(function (r, i) {
      var y = head + i * rowHeight, mid = y + rowHeight / 2;
      var group = el('g', { 'class': 'variant' + (r.control ? ' control' : ''), 'data-variant': r.key });
      group.appendChild(el('text', { x: label - 10, y: mid - 2, 'text-anchor': 'end', 'class': 'name' }, r.key + (r.control && r.key !== 'control' ? ' (control)' : '')));
      group.appendChild(el('text', { x: label - 10, y: mid + 12, 'text-anchor': 'end', 'class': 'sub' }, r.visitors + ' visitors'));
      if (r.rate === null) {
        group.appendChild(el('text', { x: label + 6, y: mid + 4, 'class': 'empty' }, 'no visitors yet'));
      } else {
        group.appendChild(el('rect', { x: label, y: mid - 9, width: Math.max(1, x(r.rate) - label), height: 18, rx: 3, 'class': 'bar' }));
        if (r.ci) {
          var lo = x(r.ci.lower), hi = x(r.ci.upper);
          group.appendChild(el('line', { x1: lo, x2: hi, y1: mid, y2: mid, 'class': 'whisker' }));
          group.appendChild(el('line', { x1: lo, x2: lo, y1: mid - 7, y2: mid + 7, 'class': 'whisker' }));
          group.appendChild(el('line', { x1: hi, x2: hi, y1: mid - 7, y2: mid + 7, 'class': 'whisker' }));
        }
        var text = percent(r.rate, 2) + (r.ci ? ' [' + percent(r.ci.lower) + ', ' + percent(r.ci.upper) + ']' : '');
        group.appendChild(el('text', { x: width - right + 10, y: mid + 4, 'class': 'value' }, text));
      }
      svg.appendChild(group);
    });
    return svg;
  }

  window.EtalageCharts = { rateChart: rateChart, percent: percent }; // percent: also the admin page's number format
})();
